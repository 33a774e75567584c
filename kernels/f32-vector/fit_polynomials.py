#!/usr/bin/env python3
"""Fits the polynomial coefficients of kernels/f32-vector/vector-generic.inl.

A Remez exchange (in mpmath, 40 digits) minimises the maximum relative error
of each approximation over its reduced interval; the coefficients are then
rounded to float and printed as C++ hex-float literals. The measured error of
the finished kernels, rounding included, comes from
tests/kernels/activation_accuracy_test.cpp, not from here.

    python3 kernels/f32-vector/fit_polynomials.py        # needs mpmath; a few minutes
"""
import struct

import mpmath as mp

mp.mp.dps = 40


def solve_reference(basis, f, weight, points):
    n = len(basis)
    a = mp.matrix(n + 1, n + 1)
    y = mp.matrix(n + 1, 1)
    for i, x in enumerate(points):
        for k, phi in enumerate(basis):
            a[i, k] = phi(x)
        a[i, n] = (-1) ** i / weight(x)
        y[i] = f(x)
    s = mp.lu_solve(a, y)
    return [s[k] for k in range(n)], s[n]


def golden_max(g, lo, hi, steps=40):
    r = (mp.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = g(c), g(d)
    for _ in range(steps):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = g(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = g(d)
    return (a + b) / 2


def remez(basis, f, weight, lo, hi, iterations=40, grid=2000):
    """Coefficients of sum c_k basis_k minimising max |weight * (sum - f)| on [lo, hi]."""
    n = len(basis)
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    points = [(lo + hi) / 2 - (hi - lo) / 2 * mp.cos(mp.pi * (i + mp.mpf("0.5")) / (n + 1)) for i in range(n + 1)]
    points[0], points[-1] = lo, hi
    xs = [lo + (hi - lo) * (1 - mp.cos(mp.pi * i / grid)) / 2 for i in range(grid + 1)]
    best = None
    for _ in range(iterations):
        c, level = solve_reference(basis, f, weight, points)
        err = lambda x: weight(x) * (sum(ck * phi(x) for ck, phi in zip(c, basis)) - f(x))
        es = [err(x) for x in xs]
        runs, current = [], [0]
        for i in range(1, len(xs)):
            if es[i] == 0:
                continue
            if (es[i] > 0) == (es[current[0]] > 0):
                current.append(i)
            else:
                runs.append(current)
                current = [i]
        runs.append(current)
        extrema = []
        for run in runs:
            j = max(run, key=lambda j: abs(es[j]))
            if 0 < j < grid:
                sign = 1 if es[j] > 0 else -1
                extrema.append(golden_max(lambda t: sign * err(t), xs[j - 1], xs[j + 1]))
            else:
                extrema.append(xs[j])
        worst = max(abs(err(x)) for x in extrema)
        if best is None or worst < best[1]:
            best = (c, worst)
        if len(extrema) < n + 1:
            break
        while len(extrema) > n + 1:
            extrema.pop(0 if abs(err(extrema[0])) < abs(err(extrema[-1])) else -1)
        points = extrema
        if abs(worst - abs(level)) < abs(level) * mp.mpf("1e-5"):
            break
    return best


def hex_float(v):
    f = struct.unpack("f", struct.pack("f", float(v)))[0]
    return float(f).hex().replace("0000000p", "p") + "f"


def powers(first, last):
    return [(lambda k: (lambda x: x**k))(k) for k in range(first, last + 1)]


def show(name, fit, what):
    coefficients, error = fit
    print(f"// {what}: max relative error {mp.nstr(error, 3)}")
    print(f"{name} = {{{', '.join(hex_float(c) for c in coefficients)}}};\n")


def main():
    # exp: e^r - 1 - r - r^2/2 = r^3 (c3 + ... + c6 r^3) on [-ln2/2, ln2/2].
    half_ln2 = mp.log(2) / 2
    show("kExpC3..kExpC6",
         remez(powers(3, 6), lambda r: mp.exp(r) - 1 - r - r * r / 2, lambda r: 1 / mp.exp(r), -half_ln2, half_ln2),
         "relative to e^r")

    # tanh: (tanh(x) - x) / x^3 in u = x^2 for |x| < 0.625, relative to itself.
    g = lambda u: (mp.tanh(mp.sqrt(u)) - mp.sqrt(u)) / mp.sqrt(u) ** 3 if u > 0 else -mp.mpf(1) / 3
    show("kTanhP", remez(powers(0, 4), g, lambda u: 1 / abs(g(u)), 0, mp.mpf("0.625") ** 2), "of P")

    # erf: erf(x) / x in u = x^2 for |x| < 1.
    g = lambda u: mp.erf(mp.sqrt(u)) / mp.sqrt(u) if u > 0 else 2 / mp.sqrt(mp.pi)
    show("kErfP", remez(powers(0, 6), g, lambda u: 1 / g(u), 0, 1), "of P")

    # erfc: R = erfc(z) e^(z^2) as a polynomial in t = 1 / (1 + z/2), z in [0.5, 10.3].
    rz = lambda z: mp.erfc(z) * mp.exp(z * z)
    g = lambda t: rz((1 / t - 1) / mp.mpf("0.5"))
    show("kErfcR", remez(powers(0, 9), g, lambda t: 1 / g(t), 1 / (1 + mp.mpf("5.15")), 1 / mp.mpf("1.25"), grid=800),
         "of R")

    # log1p via atanh: (atanh(s)/s - 1) / s^2 in v = s^2 <= 1/9.
    g = lambda v: (mp.atanh(mp.sqrt(v)) / mp.sqrt(v) - 1) / v if v > 0 else mp.mpf(1) / 3
    show("kLog1pP", remez(powers(0, 3), g, lambda v: 1 / g(v), 0, mp.mpf(1) / 9, grid=600), "of P")

    # log: (log1p(f) - f + f^2/2) / f^3 for f in [sqrt(1/2) - 1, sqrt(2) - 1].
    g = lambda f: (mp.log1p(f) - f + f * f / 2) / f**3 if f != 0 else mp.mpf(1) / 3
    show("kLogP", remez(powers(0, 7), g, lambda f: 1 / abs(g(f)), mp.sqrt(0.5) - 1, mp.sqrt(2) - 1, grid=600), "of P")


if __name__ == "__main__":
    main()
