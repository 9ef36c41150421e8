#!/usr/bin/env python3
"""Small reference cases for the image and audio metrics, sized so that mutation testing (which runs
them once per mutant, instrumented) stays fast, and covering the options the larger fixtures leave at
their defaults: SSIM sigma/K1/K2 (scikit-image 0.19), truncate and MS-SSIM scales/options (the paper
definition of make_ms_ssim_vectors.py on scikit-image's Gaussian filter), odd sizes, a negative
contrast-structure term; Slaney mel scale and filterbanks, log-mel and multi-resolution distances
(torchaudio 0.13, float64), SNR and SI-SDR (numpy) on non-zero-mean signals.
Usage: make_small_metric_vectors.py OUT.json   (writes test/fixtures/metrics-small.json)"""
import base64, json, os, sys
import numpy as np
import torch, torchaudio
from torchaudio.functional.functional import _hz_to_mel, _mel_to_hz
from skimage import data
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_ms_ssim_vectors import ms_ssim, terms  # noqa: E402  (the paper-definition SSIM terms)

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(23)


def b64(x):
    return base64.b64encode(np.ascontiguousarray(x).tobytes()).decode()


def noisy_u8(img, noise):
    return np.clip(np.round(img + noise * rng.standard_normal(img.shape)), 0, 255).astype(np.uint8)


def image_case(name, ref, est, dtype, data_range, **opts):
    """A pair with skimage's MSE/PSNR and SSIM (sigma, K1, K2; truncate fixed at 3.5 there)."""
    sk = dict(gaussian_weights=True, use_sample_covariance=False, data_range=data_range,
              sigma=opts.get('sigma', 1.5), K1=opts.get('k1', 0.01), K2=opts.get('k2', 0.03))
    if ref.ndim == 3:
        sk['channel_axis'] = -1
    return dict(name=name, shape=list(ref.shape), dtype=dtype, reference=b64(ref), estimate=b64(est),
                dataRange=data_range, options=opts, mse=float(mean_squared_error(ref, est)),
                psnr=float(peak_signal_noise_ratio(ref, est, data_range=data_range)),
                ssim=float(structural_similarity(ref, est, **sk)))


def paper_ssim(ref, est, data_range, **opts):
    a = ref.astype(np.float64).reshape(ref.shape[0], ref.shape[1], -1)
    b = est.astype(np.float64).reshape(a.shape)
    return float(np.mean([terms(a[:, :, c], b[:, :, c], data_range, **opts)[0] for c in range(a.shape[2])]))


camera = data.camera()
astro = data.astronaut()
images = []
g = camera[200:216, 300:319]                                     # 16×19 gray: the 11×11 window fits
ge = noisy_u8(g, 20)
images.append(image_case('camera 16x19 noise', g, ge, 'uint8', 255))
c = astro[60:73, 220:235]                                        # 13×15×3
images.append(image_case('astronaut 13x15x3 noise', c, noisy_u8(c, 15), 'uint8', 255))
f = (camera[120:132, 80:93] / 127.5 - 1.0)                       # 12×13 float in [-1, 1], range 2
fe = np.round(f + 0.1 * rng.standard_normal(f.shape), 6)
f = np.round(f, 6)
images.append(image_case('camera 12x13 float, sigma 0.8, K1 0.02, K2 0.05', f, fe, 'float64', 2.0,
                         sigma=0.8, k1=0.02, k2=0.05))
# The paper definition and skimage agree on the first case (a check of the reference itself).
assert abs(paper_ssim(g, ge, 255.0) - images[0]['ssim']) < 1e-12

# truncate is fixed in skimage: SSIM with truncate 2 (a 5×5 window for sigma 1) from the paper definition.
t = camera[300:310, 400:411]
te = noisy_u8(t, 25)
truncated = dict(name='camera 10x11, sigma 1, truncate 2', shape=list(t.shape), dtype='uint8', reference=b64(t),
                 estimate=b64(te), dataRange=255, options=dict(sigma=1.0, truncate=2.0),
                 ssim=paper_ssim(t, te, 255.0, sigma=1.0, truncate=2.0))

ms = []
m1 = camera[250:274, 150:176]                                    # 24×26: two scales of an 11×11 window
ms.append(dict(name='camera 24x26, 2 scales', shape=list(m1.shape), reference=b64(m1), estimate=b64(noisy_u8(m1, 18)),
               weights=[0.3, 0.7], options={}))
m2 = astro[100:121, 300:323]                                     # 21×23×3, odd sides: 3 scales of a 5×5 window
ms.append(dict(name='astronaut 21x23x3, 3 scales, sigma 0.6, K1 0.02, K2 0.04', shape=list(m2.shape),
               reference=b64(m2), estimate=b64(noisy_u8(m2, 12)), weights=[0.2, 0.3, 0.5],
               options=dict(sigma=0.6, k1=0.02, k2=0.04)))
m3 = camera[40:63, 60:83]                                        # 23×23, sigma 1, truncate 2
ms.append(dict(name='camera 23x23, 2 scales, sigma 1, truncate 2', shape=list(m3.shape), reference=b64(m3),
               estimate=b64(noisy_u8(m3, 30)), weights=[0.6, 0.4], options=dict(sigma=1.0, truncate=2.0)))
for m in ms:
    ref = np.frombuffer(base64.b64decode(m['reference']), np.uint8).reshape(m['shape'])
    est = np.frombuffer(base64.b64decode(m['estimate']), np.uint8).reshape(m['shape'])
    m['msSsim'] = ms_ssim(ref, est, m['weights'], 255.0, **m['options'])

# Audio: 8 kHz, 480 samples; a quiet stretch below the clamp floors where the two signals differ.
SR = 8000
n = np.arange(480)
ref = 0.5 * np.sin(2 * np.pi * 440 * n / SR) + 0.2 * np.sin(2 * np.pi * 1900 * n / SR) + 0.05 * rng.standard_normal(n.size)
est = np.convolve(ref, [0.7, 0.2, 0.1], mode='same') + 0.04 * rng.standard_normal(n.size) + 0.1
ref[200:330] = 1e-7 * rng.standard_normal(130)
est[200:330] = 3e-7 * rng.standard_normal(130)
ref, est = np.round(ref, 9), np.round(est, 9)
R, E = torch.tensor(ref), torch.tensor(est)


def log_mel(x, n_fft, n_mels, hop=None, f_min=0.0, f_max=None, eps=1e-5, pow_=1.0):
    m = torchaudio.transforms.MelSpectrogram(sample_rate=SR, n_fft=n_fft, hop_length=hop or n_fft // 4, n_mels=n_mels,
                                             f_min=f_min, f_max=f_max, power=1.0, norm='slaney', mel_scale='slaney',
                                             center=True, pad_mode='reflect')
    return pow_ * torch.log10(m(x).clamp(min=eps))


def distance(**kw):
    return float((log_mel(R, **kw) - log_mel(E, **kw)).abs().mean())


log_mels = []
for kw in [dict(n_fft=64, n_mels=8), dict(n_fft=128, n_mels=12, hop=40, f_min=50.0, f_max=3500.0, eps=1e-3, pow_=2.0)]:
    log_mels.append(dict(windowLength=kw['n_fft'], nMels=kw['n_mels'], hopLength=kw.get('hop'), fMin=kw.get('f_min'),
                         fMax=kw.get('f_max'), clampEps=kw.get('eps'), pow=kw.get('pow_'), distance=distance(**kw)))
multi = dict(windowLengths=[32, 64], nMels=[5, 10], clampEps=1e-4,
             distance=distance(n_fft=32, n_mels=5, eps=1e-4) + distance(n_fft=64, n_mels=10, eps=1e-4))

filterbanks = []
for sr, n_fft, n_mels, f_min, f_max in [(8000, 32, 6, 100.0, 3000.0), (16000, 64, 10, 0.0, None)]:
    fb = torchaudio.functional.melscale_fbanks(n_freqs=n_fft // 2 + 1, f_min=f_min, f_max=f_max or sr / 2,
                                               n_mels=n_mels, sample_rate=sr, norm='slaney', mel_scale='slaney')
    filterbanks.append(dict(sampleRate=sr, nFft=n_fft, nMels=n_mels, fMin=f_min, fMax=f_max, weights=fb.T.reshape(-1).tolist()))

hz = [0.0, 200.0, 999.0, 1000.0, 1500.0, 4000.0, 11025.0]
mel_scale = dict(hz=hz, mel=[float(_hz_to_mel(h, 'slaney')) for h in hz])
mel_scale['back'] = [float(_mel_to_hz(torch.tensor(m), 'slaney')) for m in mel_scale['mel']]

# SNR and SI-SDR (zero-mean) in numpy float64 on the loud part.
r, e = ref[:200], est[:200]
rz, ez = r - r.mean(), e - e.mean()
target = (ez @ rz) / (rz @ rz) * rz
audio = dict(sampleRate=SR, reference=ref.tolist(), estimate=est.tolist(),
             snr=float(10 * np.log10((r @ r) / ((r - e) @ (r - e)))),
             siSdr=float(10 * np.log10((target @ target) / ((ez - target) @ (ez - target)))),
             logMel=log_mels, multiResolution=multi, filterbanks=filterbanks, melScale=mel_scale)

json.dump(dict(source=f'scikit-image 0.19, torchaudio {torchaudio.__version__}, numpy, float64', images=images,
               truncated=truncated, msSsim=ms, audio=audio), open(sys.argv[1], 'w'))
