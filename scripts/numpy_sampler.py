#!/usr/bin/python3
"""The probability-flow ODE sampler of a memcosim score network, in NumPy.

The alternative a Python user would write for `memcosim sample --engine
reference` (method pf_ode), used by the bench (bench/sampler.cpp) to compare
samples per second. It is the same algorithm, step for step, as the C++
reference sampler (src/reference/ode_solver.cpp with Boost.Odeint):

  - the score network of the weight file (unconditional MLP, ReLU, random
    Fourier time embedding added to every hidden layer's pre-activation, the
    first h/2 sines and h/2 cosines for a layer of width h; output x gain);
  - dx/dt = -1/2 beta(t) (x + s(x, t)), beta = beta_scale x the file's schedule;
  - the whole batch as one state with one shared step size: Dormand-Prince
    5(4) with odeint's controller (default_error_checker with a_x = a_dxdt = 1,
    max-norm; default_step_adjuster: reject when err > 1 and shrink by
    max(0.9 err^(-1/3), 1/5); accept and grow by 0.9 err^(-1/5) when
    err < 0.5, err >= 5^-5), FSAL, and odeint's integrate_times for a dense
    output stepper: the last step is re-initialised to end on t_end, and the
    end point is the dense-output interpolation at t_end.

So given the same starts it takes the same steps and ends at the same points
(to rounding: the matrix products sum in another order). The operations are
written in the order odeint evaluates them.

  numpy_sampler.py --weights W.yaml --starts starts.csv [--out end.csv]
                   [--beta-scale 2] [--t-start 1] [--t-end 1e-4]
                   [--rtol 1e-6] [--atol 1e-6] [--dt 1e-3] [--repeat N]

starts.csv: one sample per line, dim comma-separated values (no header).
Prints one JSON object: samples, steps, rhs_evals, seconds and cpu_seconds
(integration only, the best of --repeat runs), all_seconds, load_seconds,
the numpy version and its BLAS.

Needs python3-numpy and python3-yaml (Debian). Run with /usr/bin/python3.
"""
import argparse
import json
import sys
import time

import numpy as np
import yaml


def load_network(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    arch = doc["architecture"]
    if int(arch.get("num_classes", 0)) != 0:
        sys.exit(f"{path}: a conditional network; this script samples unconditional ones only")
    layers = []
    for layer in doc["layers"]:
        rows, cols = layer["shape"]
        w = np.array(layer["weight"], dtype=np.float64).reshape(rows, cols)
        b = np.array(layer["bias"], dtype=np.float64).reshape(rows, 1)
        layers.append((w, b))
    freq = np.array(doc["time_embedding"]["frequencies"], dtype=np.float64)
    sched = doc["schedule"]
    return {
        "layers": layers,
        "freq": freq,
        "gain": float(arch["output_gain"]),
        "beta_min": float(sched["beta_min"]),
        "beta_max": float(sched["beta_max"]),
    }


class PfOde:
    """dx/dt = -1/2 beta(t) (x + s(x, t)) for a batch x (dim x n)."""

    def __init__(self, net, beta_scale):
        self.layers = net["layers"]
        self.two_pi_freq = 2.0 * np.pi * net["freq"]
        self.half = net["freq"].size
        self.gain = net["gain"]
        self.beta_min = net["beta_min"] * beta_scale
        self.beta_max = net["beta_max"] * beta_scale
        self.evals = 0

    def __call__(self, x, t):
        self.evals += 1
        phase = self.two_pi_freq * t
        s, c = np.sin(phase), np.cos(phase)
        h = x
        for w, b in self.layers[:-1]:
            hh = w.shape[0] // 2
            z = w @ h
            z += b
            z[:hh] += s[:hh, None]
            z[hh:] += c[:hh, None]
            np.maximum(z, 0.0, out=z)
            h = z
        w, b = self.layers[-1]
        out = w @ h
        out += b
        out *= self.gain
        beta = self.beta_min + t * (self.beta_max - self.beta_min)
        return (-0.5 * beta) * (x + out)


# Dormand-Prince 5(4) coefficients, as odeint's runge_kutta_dopri5 computes them.
A2, A3, A4, A5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
B21 = 1.0 / 5.0
B31, B32 = 3.0 / 40.0, 9.0 / 40.0
B41, B42, B43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
B51, B52, B53, B54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
B61, B62, B63, B64, B65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
C1, C3, C4, C5, C6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
DC1 = C1 - 5179.0 / 57600.0
DC3 = C3 - 7571.0 / 16695.0
DC4 = C4 - 393.0 / 640.0
DC5 = C5 - -92097.0 / 339200.0
DC6 = C6 - 187.0 / 2100.0
DC7 = -1.0 / 40.0
EPS = np.finfo(np.float64).eps


def dopri5_step(f, x, dxdt, t, dt):
    """One step from (x, dxdt) at t: (x_new, dxdt_new, x_err, k3..k6)."""
    k2 = f(x + (dt * B21) * dxdt, t + dt * A2)
    k3 = f(x + (dt * B31) * dxdt + (dt * B32) * k2, t + dt * A3)
    k4 = f(x + (dt * B41) * dxdt + (dt * B42) * k2 + (dt * B43) * k3, t + dt * A4)
    k5 = f(x + (dt * B51) * dxdt + (dt * B52) * k2 + (dt * B53) * k3 + (dt * B54) * k4, t + dt * A5)
    k6 = f(x + (dt * B61) * dxdt + (dt * B62) * k2 + (dt * B63) * k3 + (dt * B64) * k4 + (dt * B65) * k5, t + dt)
    x_new = x + (dt * C1) * dxdt + (dt * C3) * k3 + (dt * C4) * k4 + (dt * C5) * k5 + (dt * C6) * k6
    dxdt_new = f(x_new, t + dt)
    x_err = ((dt * DC1) * dxdt + (dt * DC3) * k3 + (dt * DC4) * k4 + (dt * DC5) * k5 + (dt * DC6) * k6
             + (dt * DC7) * dxdt_new)
    return x_new, dxdt_new, x_err, (k3, k4, k5, k6)


def dense_state(t, x_old, dxdt_old, t_old, dxdt_new, t_new, ks):
    """odeint's runge_kutta_dopri5::calc_state (Hairer, Norsett, Wanner I, p. 191)."""
    k3, k4, k5, k6 = ks
    dt = t_new - t_old
    theta = (t - t_old) / dt
    x1 = 5.0 * (2558722523.0 - 31403016.0 * theta) / 11282082432.0
    x3 = 100.0 * (882725551.0 - 15701508.0 * theta) / 32700410799.0
    x4 = 25.0 * (443332067.0 - 31403016.0 * theta) / 1880347072.0
    x5 = 32805.0 * (23143187.0 - 3489224.0 * theta) / 199316789632.0
    x6 = 55.0 * (29972135.0 - 7076736.0 * theta) / 822651844.0
    x7 = 10.0 * (7414447.0 - 829305.0 * theta) / 29380423.0
    tm1 = theta - 1.0
    tsq = theta * theta
    a = tsq * (3.0 - 2.0 * theta)
    b = tsq * tm1
    c = tsq * tm1 * tm1
    d = theta * tm1 * tm1
    b1 = a * C1 - c * x1 + d
    b3 = a * C3 + c * x3
    b4 = a * C4 - c * x4
    b5 = a * C5 + c * x5
    b6 = a * C6 - c * x6
    b7 = b + c * x7
    return (x_old + (dt * b1) * dxdt_old + (dt * b3) * k3 + (dt * b4) * k4 + (dt * b5) * k5 + (dt * b6) * k6
            + (dt * b7) * dxdt_new)


def less_eq_with_sign(t1, t2, dt):
    return (t1 - t2 <= EPS) if dt > 0 else (t2 - t1 <= EPS)


def integrate(f, x0, t0, t1, rtol, atol, dt_initial, max_fails=500):
    """x(t1) of dx/dt = f(x, t) from x0 at t0; (x, accepted steps)."""
    dt = dt_initial if t1 > t0 else -dt_initial
    x, t = x0.copy(), t0
    dxdt = None
    steps = 0
    last = None  # (x_old, dxdt_old, t_old, ks) of the last accepted step
    while not less_eq_with_sign(t1, t, dt):
        if not less_eq_with_sign(t + dt, t1, dt):
            dt = t1 - t  # the last step ends exactly on t1 (odeint re-initialises: a fresh derivative)
            dxdt = None
        if dxdt is None:
            dxdt = f(x, t)
        for _ in range(max_fails):
            x_new, dxdt_new, x_err, ks = dopri5_step(f, x, dxdt, t, dt)
            err = np.max(np.abs(x_err) / (atol + rtol * (1.0 * np.abs(x) + (1.0 * abs(dt)) * np.abs(dxdt))))
            if err > 1.0:
                dt *= max(0.9 * err ** (-1.0 / 3.0), 1.0 / 5.0)
                continue
            last = (x, dxdt, t, ks)
            t = t + dt
            if err < 0.5:
                err = max(5.0 ** -5, err)
                dt *= 0.9 * err ** (-1.0 / 5.0)
            x, dxdt = x_new, dxdt_new
            break
        else:
            raise RuntimeError(f"step size adjustment failed {max_fails} times near t = {t}")
        steps += 1
    x_old, dxdt_old, t_old, ks = last
    return dense_state(t1, x_old, dxdt_old, t_old, dxdt, t, ks), steps


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")  # numpy >= 1.25
        return str(cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "?"))
    except TypeError:  # numpy < 1.25: the build-time info
        info = getattr(np.__config__, "blas_opt_info", {}) or getattr(np.__config__, "blas_info", {})
        return ",".join(dict.fromkeys(info.get("libraries", ["?"])))
    except Exception:  # noqa: BLE001
        return "?"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", required=True)
    p.add_argument("--starts", required=True)
    p.add_argument("--out")
    p.add_argument("--beta-scale", type=float, default=2.0)
    p.add_argument("--t-start", type=float, default=1.0)
    p.add_argument("--t-end", type=float, default=1e-4)
    p.add_argument("--rtol", type=float, default=1e-6)
    p.add_argument("--atol", type=float, default=1e-6)
    p.add_argument("--dt", type=float, default=1e-3)
    p.add_argument("--repeat", type=int, default=1)
    a = p.parse_args()

    t_load = time.perf_counter()
    net = load_network(a.weights)
    starts = np.loadtxt(a.starts, delimiter=",", ndmin=2).T.copy()  # dim x n
    load_seconds = time.perf_counter() - t_load

    times, cpu = [], []
    for _ in range(max(1, a.repeat)):
        f = PfOde(net, a.beta_scale)
        t0, c0 = time.perf_counter(), time.process_time()
        end, steps = integrate(f, starts, a.t_start, a.t_end, a.rtol, a.atol, a.dt)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    if a.out:
        np.savetxt(a.out, end.T, delimiter=",", fmt="%.17g")
    best = times.index(min(times))
    json.dump({"samples": int(starts.shape[1]), "steps": steps, "rhs_evals": f.evals, "seconds": times[best],
               "cpu_seconds": cpu[best], "all_seconds": times, "load_seconds": load_seconds, "numpy": np.__version__, "blas": blas_name()},
              sys.stdout)
    print()


if __name__ == "__main__":
    main()
