#!/usr/bin/env python3
"""Reference STFT magnitudes, Slaney mel filterbanks, log-mel distances and DAC's multi-resolution
STFT distance, computed with torchaudio 0.13 (Debian python3-torchaudio) in float64.
Usage: make_mel_vectors.py OUT.json   (writes test/fixtures/mel-torchaudio.json)"""
import json, sys
import numpy as np
import torch, torchaudio

torch.set_default_dtype(torch.float64)
SR = 16000
rng = np.random.default_rng(7)
t = np.arange(int(0.3 * SR)) / SR
# A chirp with harmonics (the reference) and a filtered, noisy copy (the estimate), rounded to
# 7 decimals so both sides start from exactly the stored numbers.
ref = 0.4 * np.sin(2 * np.pi * (200 + 900 * t) * t) + 0.15 * np.sin(2 * np.pi * 1500 * t) + 0.02 * rng.standard_normal(t.size)
est = np.convolve(ref, [0.6, 0.3, 0.1], mode='same') + 0.03 * rng.standard_normal(t.size)
ref, est = np.round(ref, 7), np.round(est, 7)
R, E = torch.tensor(ref), torch.tensor(est)


def spectrogram(x, n_fft, hop):
    # Periodic Hann, centred reflect-padded frames, |STFT| (power 1): [frames, bins].
    s = torchaudio.transforms.Spectrogram(n_fft=n_fft, hop_length=hop, power=1.0, center=True, pad_mode='reflect')
    return s(x).T


def log_mel(x, n_fft, n_mels, f_min=0.0, f_max=None, eps=1e-5, pow_=1.0):
    m = torchaudio.transforms.MelSpectrogram(sample_rate=SR, n_fft=n_fft, hop_length=n_fft // 4, n_mels=n_mels,
                                             f_min=f_min, f_max=f_max, power=1.0, norm='slaney', mel_scale='slaney',
                                             center=True, pad_mode='reflect')
    return pow_ * torch.log10(m(x).clamp(min=eps))


def log_mel_distance(**kw):
    return float((log_mel(R, **kw) - log_mel(E, **kw)).abs().mean())


out = {'source': f'torchaudio {torchaudio.__version__}, torch {torch.__version__}, float64', 'sampleRate': SR,
       'reference': ref.tolist(), 'estimate': est.tolist(), 'stft': [], 'filterbanks': [], 'logMel': []}
for n_fft, hop, n in [(64, 16, 1000), (256, 100, 4800)]:
    out['stft'].append(dict(windowLength=n_fft, hopLength=hop, samples=n,
                            magnitude=spectrogram(R[:n], n_fft, hop).reshape(-1).tolist()))
for sr, n_fft, n_mels, f_min, f_max in [(16000, 256, 20, 0.0, 8000.0), (22050, 512, 40, 30.0, 8000.0)]:
    fb = torchaudio.functional.melscale_fbanks(n_freqs=n_fft // 2 + 1, f_min=f_min, f_max=f_max, n_mels=n_mels,
                                               sample_rate=sr, norm='slaney', mel_scale='slaney')
    out['filterbanks'].append(dict(sampleRate=sr, nFft=n_fft, nMels=n_mels, fMin=f_min, fMax=f_max,
                                   weights=fb.T.reshape(-1).tolist()))  # [nMels, bins]
for kw in [dict(n_fft=2048, n_mels=80), dict(n_fft=512, n_mels=40, f_min=60.0, f_max=7000.0, eps=1e-4, pow_=2.0)]:
    out['logMel'].append(dict(windowLength=kw['n_fft'], nMels=kw['n_mels'], fMin=kw.get('f_min', 0.0),
                              fMax=kw.get('f_max') or SR / 2, clampEps=kw.get('eps', 1e-5), pow=kw.get('pow_', 1.0),
                              distance=log_mel_distance(**kw)))
# DAC's evaluation: windows 32…2048 with 5…320 mels, hop = window/4, eps 1e-5, power 1, summed.
out['multiResolution'] = sum(log_mel_distance(n_fft=w, n_mels=n)
                             for w, n in zip([32, 64, 128, 256, 512, 1024, 2048], [5, 10, 20, 40, 80, 160, 320]))
json.dump(out, open(sys.argv[1], 'w'))
