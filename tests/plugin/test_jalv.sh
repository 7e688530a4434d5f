#!/bin/sh
# jalv, headless on jackd's dummy backend: load the plugin by restoring a state folder that
# names a model (written here by hand, as a host would have saved it), feed it jack_metro's
# clicks for a few seconds, record its output with jack_rec: the model loads, nothing fails,
# and the recording is not silent.
# Usage: test_jalv.sh BUNDLE_DIR   (RNNFX_TEST_DATA = tests/)
bundle=$1
skip() { echo "SKIP: $*"; exit 77; }
[ "${RNNFX_SANITIZED:-0}" = 1 ] && skip "the plugin is built with ASan/UBSan: a host without them cannot load it"
fail() { echo "FAIL: $*"; [ -f "$tmp/jalv.log" ] && sed 's/^/  jalv: /' "$tmp/jalv.log"; exit 1; }
for p in jalv jackd jack_lsp jack_connect jack_metro jack_rec sox; do
    command -v $p >/dev/null || skip "$p is not installed (Debian: jalv, jackd2, sox)"
done

tmp=$(mktemp -d)
jackd_pid= jalv_pid= metro_pid=
cleanup() {
    # jack_metro was once seen to ignore SIGTERM (its server going away under it) and the wait
    # below then held the test until its timeout: SIGKILL whatever is still there after 5 s.
    for pid in $metro_pid $jalv_pid $jackd_pid; do kill "$pid" 2>/dev/null; done
    for _ in $(seq 50); do
        alive=
        for pid in $metro_pid $jalv_pid $jackd_pid; do # a zombie (Z) has ended: wait reaps it
            ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z && alive=1
        done
        [ -z "$alive" ] && break
        sleep 0.1
    done
    for pid in $metro_pid $jalv_pid $jackd_pid; do kill -9 "$pid" 2>/dev/null; done
    for pid in $metro_pid $jalv_pid $jackd_pid; do wait "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# Only the build tree's bundle (and the LV2 specifications).
mkdir -p "$tmp/lv2" "$tmp/state"
ln -s "$bundle" "$tmp/lv2/rnnfx.lv2"
export LV2_PATH="$tmp/lv2:/usr/lib/lv2"

# A saved state: the model beside state.ttl, named by a relative path.
cp "$RNNFX_TEST_DATA/formats/ref/keras_lstm8.json" "$tmp/state/"
cat > "$tmp/state/manifest.ttl" <<TTL
@prefix lv2:  <http://lv2plug.in/ns/lv2core#> .
@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<state.ttl> a pset:Preset ; lv2:appliesTo <urn:rnnfx:mono> ; rdfs:seeAlso <state.ttl> .
TTL
cat > "$tmp/state/state.ttl" <<TTL
@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .
@prefix pset:  <http://lv2plug.in/ns/ext/presets#> .
@prefix state: <http://lv2plug.in/ns/ext/state#> .
<> a pset:Preset ;
	lv2:appliesTo <urn:rnnfx:mono> ;
	state:state [ <urn:rnnfx:model> <keras_lstm8.json> ] .
TTL

# A private JACK server on the dummy backend.
export JACK_DEFAULT_SERVER="rnnfx_test_$$"
export JACK_NO_AUDIO_RESERVATION=1
jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
i=0
until jack_lsp >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 50 ] && { cat "$tmp/jackd.log"; skip "jackd (dummy backend) did not start"; }
    sleep 0.2
done

# jalv runs until its standard input closes (after 8 s).
(sleep 8) | jalv -t -n rnnfx_jalv -l "$tmp/state" >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!
i=0
until jack_lsp | grep -q "rnnfx_jalv:out"; do
    i=$((i + 1)); [ $i -gt 50 ] && fail "jalv did not come up"
    sleep 0.2
done
jack_metro -n metro -b 600 -A 0.5 -D 20 >/dev/null 2>&1 &
metro_pid=$!
i=0
until jack_lsp | grep -q "^metro:"; do
    i=$((i + 1)); [ $i -gt 50 ] && fail "jack_metro did not come up"
    sleep 0.2
done
jack_connect "$(jack_lsp | grep '^metro:' | head -1)" rnnfx_jalv:in || fail "cannot connect metro -> jalv"
jack_rec -f "$tmp/out.wav" -d 3 rnnfx_jalv:out >/dev/null 2>&1 || fail "jack_rec failed"

wait $jalv_pid
rc=$?
jalv_pid=
sed 's/^/  jalv: /' "$tmp/jalv.log"
[ $rc -eq 0 ] || fail "jalv exited with $rc"
grep -q "rnnfx: loaded keras_lstm8.json" "$tmp/jalv.log" || fail "the state's model was not loaded"
grep -qi "error" "$tmp/jalv.log" && fail "jalv or the plugin reported an error"
peak=$(sox "$tmp/out.wav" -n stat 2>&1 | awk '/Maximum amplitude/ {print $3}')
echo "recorded 3 s of the plugin's output through jack: peak $peak"
awk -v p="$peak" 'BEGIN { exit !(p > 0.01) }' || fail "the plugin's output is silent (peak $peak)"
exit 0
