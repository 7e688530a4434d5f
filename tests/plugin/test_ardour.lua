-- test_ardour.lua - run by test_ardour.sh in ardour7-lua (headless Ardour 7).
-- A session at 48 kHz on the dummy backend, one mono track: a sine generator (Ardour's SinGen),
-- then rnnfx created by URI with a preset that names a model (so Ardour restores its state).
-- The session is exported twice: with rnnfx active (wet.wav) and deactivated (dry.wav).
local dir = os.getenv("RNNFX_ARDOUR_DIR")
AudioEngine:set_backend("None (Dummy)", "", "")
assert(AudioEngine:current_backend_name() == "Dummy", "no dummy backend")
local s = create_session(dir .. "/session", "rnnfx", 48000)
assert(s, "cannot create a session")

tl = s:new_audio_track(1, 1, nil, 1, "guitar", ARDOUR.PresentationInfo.max_order,
                             ARDOUR.TrackMode.Normal, true)
track = tl:front()
gen = ARDOUR.LuaAPI.new_luaproc(s, "SinGen")
assert(not gen:isnil(), "Ardour's SinGen is missing")
assert(track:add_processor_by_index(gen, 0, nil, true) == 0, "cannot add SinGen")
ARDOUR.LuaAPI.set_processor_param(gen, 0, 220)   -- Hz
ARDOUR.LuaAPI.set_processor_param(gen, 1, -6)    -- dB

fx = ARDOUR.LuaAPI.new_plugin(s, "urn:rnnfx:mono", ARDOUR.PluginType.LV2, "rnnfx test preset")
assert(not fx:isnil(), "urn:rnnfx:mono not found")
assert(track:add_processor_by_index(fx, 1, nil, true) == 0, "cannot insert rnnfx")
print("track:", track:nth_plugin(0):display_name(), "->", track:nth_plugin(1):display_name())

local function export(name)
	local e = s:simple_export()
	e:set_name(name)
	e:set_folder(dir)
	e:set_range(0, 3 * 48000)
	assert(e:set_preset("75969a1c-3133-4694-864b-a1fa50e43348"), "no 'WAV @ session-rate' preset")
	assert(e:run_export(), "export failed")
	print("exported " .. name)
	e = nil
	collectgarbage() -- now, while the session lives (see below)
end
export("wet")
fx:deactivate()
export("dry")
-- Let go of every session object before the session goes: luasession crashes if the garbage
-- collector finalizes a track or an export after close_session().
tl, track, gen, fx = nil, nil, nil, nil
collectgarbage()
close_session()
