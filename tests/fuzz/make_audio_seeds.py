#!/usr/bin/env python3
"""make_audio_seeds.py DIR - writes the seed corpus of fuzz_audio (tests/fuzz/corpus/fuzz_audio):
small audio files of every kind libsndfile reads, valid and broken. Encoded formats come from
sox (Debian's sox, scripts/debian-packages.txt); WAV files with unusual contents (NaN, Inf,
huge values, lying headers) are written byte by byte here. Run once; the files are committed,
this script says where they came from."""
import math
import os
import struct
import subprocess
import sys
import tempfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
FRAMES = 256


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def chunk(tag, body):
    return tag + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def wav(fmt_tag, channels, rate, bits, payload, extra=b"", riff_size=None, data_size=None):
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits) + extra
    data = b"data" + struct.pack("<I", len(payload) if data_size is None else data_size) + payload
    body = b"WAVE" + chunk(b"fmt ", fmt) + data
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


def sine(n, channels, f=0.05, amp=0.5):
    return [amp * math.sin(2 * math.pi * f * i * (c + 1)) for i in range(n) for c in range(channels)]


def pcm16(xs):
    return b"".join(struct.pack("<h", max(-32768, min(32767, int(round(x * 32767))))) for x in xs)


def f32(xs):
    return b"".join(struct.pack("<f", x) for x in xs)


# ---- crafted WAV files -------------------------------------------------------------------------
put("wav_pcm16_mono_44100.wav", wav(1, 1, 44100, 16, pcm16(sine(FRAMES, 1))))
put("wav_pcm16_stereo_48000.wav", wav(1, 2, 48000, 16, pcm16(sine(FRAMES, 2))))
put("wav_pcm16_5ch_22050.wav", wav(1, 5, 22050, 16, pcm16(sine(FRAMES // 2, 5))))
put("wav_pcm16_rate_1000.wav", wav(1, 1, 1000, 16, pcm16(sine(64, 1))))
put("wav_pcm16_rate_768000.wav", wav(1, 1, 768000, 16, pcm16(sine(FRAMES, 1))))
put("wav_pcm16_rate_999.wav", wav(1, 1, 999, 16, pcm16(sine(64, 1))))          # below the range
put("wav_pcm16_rate_0.wav", wav(1, 1, 0, 16, pcm16(sine(64, 1))))
put("wav_pcm16_65ch.wav", wav(1, 65, 48000, 16, pcm16(sine(4, 65))))           # too many channels
put("wav_pcm16_64ch.wav", wav(1, 64, 48000, 16, pcm16(sine(4, 64))))
put("wav_u8_mono_8000.wav", wav(1, 1, 8000, 8, bytes(128 + int(100 * x) for x in sine(FRAMES, 1))))
put("wav_pcm24_stereo_96000.wav", wav(1, 2, 96000, 24, b"".join(
    struct.pack("<i", int(x * 8388607))[:3] for x in sine(FRAMES, 2))))
put("wav_pcm32_mono_48000.wav", wav(1, 1, 48000, 32, b"".join(
    struct.pack("<i", int(x * 2147483647)) for x in sine(FRAMES, 1))))
put("wav_float64_mono_44100.wav", wav(3, 1, 44100, 64, b"".join(struct.pack("<d", x) for x in sine(FRAMES, 1))))
specials = [float("nan"), float("inf"), float("-inf"), 3e38, -3e38, 1e-40, -0.0, 1.0, -1.0, 0.5] * 20
put("wav_float32_specials_48000.wav", wav(3, 1, 48000, 32, f32(specials)))
put("wav_float32_specials_stereo_44100.wav", wav(3, 2, 44100, 32, f32(specials)))
put("wav_float32_huge_22050.wav", wav(3, 1, 22050, 32, f32([3e38 * (-1) ** i for i in range(FRAMES)])))
put("wav_float32_silence_48000.wav", wav(3, 1, 48000, 32, f32([0.0] * FRAMES)))
put("wav_float32_one_sample.wav", wav(3, 1, 48000, 32, f32([0.25])))
# Long enough for the trainer's checks (1000 frames and more): what `rnnfx train` would read.
LONG = 1500
put("train_pcm16_mono_16000.wav", wav(1, 1, 16000, 16, pcm16([0.4 * math.sin(0.031 * i) + 0.1 * math.sin(0.7 * i * i % 7)
                                                             for i in range(LONG)])))
put("train_pcm16_stereo_8000.wav", wav(1, 2, 8000, 16, pcm16(sine(LONG, 2, f=0.013))))
put("train_float32_one_nan.wav", wav(3, 1, 8000, 32, f32([0.3 * math.sin(0.05 * i) if i != 700 else float("nan")
                                                          for i in range(LONG)])))
put("train_float32_huge.wav", wav(3, 1, 8000, 32, f32([3e38 * math.sin(0.05 * i) for i in range(LONG)])))
put("train_float32_dc.wav", wav(3, 1, 8000, 32, f32([0.5] * LONG)))
put("train_float32_full_scale.wav", wav(3, 1, 8000, 32, f32([(-1.0) ** (i // 3) for i in range(LONG)])))
put("train_float32_quiet.wav", wav(3, 1, 8000, 32, f32([1e-5 * math.sin(0.05 * i) for i in range(LONG)])))
# Lying headers: sizes that claim far more than the file holds, or nothing at all.
put("wav_data_size_huge.wav", wav(1, 1, 48000, 16, pcm16(sine(64, 1)), data_size=0xFFFFFFF0))
put("wav_riff_size_huge.wav", wav(1, 2, 48000, 16, pcm16(sine(64, 2)), riff_size=0xFFFFFFFF))
put("wav_no_samples.wav", wav(1, 1, 48000, 16, b""))
put("wav_truncated_header.wav", wav(1, 1, 48000, 16, pcm16(sine(64, 1)))[:30])
put("wav_truncated_data.wav", wav(1, 2, 48000, 16, pcm16(sine(64, 2)))[:101])
put("wav_bits_0.wav", wav(1, 1, 48000, 0, pcm16(sine(64, 1))))
put("wav_block_align_0.wav", wav(1, 3, 48000, 16, pcm16(sine(64, 3))).replace(
    struct.pack("<HH", 6, 16), struct.pack("<HH", 0, 16), 1))
ext = struct.pack("<HHI16s", 22, 32, 0x3, b"\x03\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
put("wav_extensible_float_stereo.wav", wav(0xFFFE, 2, 48000, 32, f32(sine(FRAMES, 2)), extra=ext))
put("not_audio.txt", b"this is not an audio file\n")
put("riff_garbage.wav", b"RIFF\x10\x00\x00\x00WAVEjunk\x04\x00\x00\x00abcd")

# ---- encoded formats through sox ---------------------------------------------------------------
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "src.wav")
    with open(src, "wb") as f:
        f.write(wav(1, 2, 44100, 16, pcm16(sine(FRAMES, 2))))
    jobs = [
        ("aiff_pcm16_stereo.aiff", ["-t", "aiff", "-b", "16"]),
        ("aifc_float_mono.aifc", ["-t", "aifc", "-e", "floating-point", "-b", "32", "-c", "1"]),
        ("flac_16_stereo.flac", ["-t", "flac", "-b", "16"]),
        ("flac_24_mono_96000.flac", ["-t", "flac", "-b", "24", "-c", "1", "-r", "96000"]),
        ("au_ulaw_mono_8000.au", ["-t", "au", "-e", "u-law", "-c", "1", "-r", "8000"]),
        ("wav_alaw_mono.wav", ["-t", "wav", "-e", "a-law", "-c", "1"]),
        ("wav_ima_adpcm_mono.wav", ["-t", "wav", "-e", "ima-adpcm", "-c", "1"]),
        ("wav_ms_adpcm_stereo.wav", ["-t", "wav", "-e", "ms-adpcm"]),
        ("wav_gsm_mono_8000.wav", ["-t", "wav", "-e", "gsm-full-rate", "-c", "1", "-r", "8000"]),
        ("w64_pcm16_stereo.w64", ["-t", "w64"]),
        ("caf_pcm16_stereo.caf", ["-t", "caf"]),
        ("ircam_float_mono.sf", ["-t", "ircam", "-e", "floating-point", "-b", "32", "-c", "1"]),
        ("voc_u8_mono.voc", ["-t", "voc", "-b", "8", "-e", "unsigned", "-c", "1"]),
        ("nist_pcm16_mono.sph", ["-t", "sph", "-c", "1"]),
        ("paf_pcm16_stereo.paf", ["-t", "paf"]),
        ("ogg_vorbis_stereo.ogg", ["-t", "vorbis", "-C", "-1"]),
        ("htk_pcm16_mono.htk", ["-t", "htk", "-c", "1"]),
        ("xi_pcm16_mono.xi", ["-t", "xi", "-c", "1"]),
        ("mat5_float_stereo.mat", ["-t", "mat5", "-e", "floating-point", "-b", "32"]),
        ("sd2_pcm16_stereo.sd2", ["-t", "sd2"]),
        ("8svx_mono.8svx", ["-t", "8svx", "-c", "1"]),
        ("wavpack_stereo.wv", ["-t", "wv"]),
    ]
    for name, args in jobs:
        dst = os.path.join(tmp, name)
        # (in tmp: libsndfile's SD2 writer leaves an AppleDouble "._" file in the current folder)
        r = subprocess.run(["sox", "-V1", src] + args + [dst], capture_output=True, cwd=tmp)
        if r.returncode != 0:
            print(f"skipped {name}: {r.stderr.decode().strip()}")
            continue
        data = open(dst, "rb").read()
        put(name, data)
        if name.startswith(("flac", "ogg", "caf")):
            put("truncated_" + name, data[: len(data) // 2])

print(f"{len(os.listdir(out))} files in {out}")
