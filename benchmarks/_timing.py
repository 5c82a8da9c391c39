"Shared timing for the benchmarks: interleaved repetitions, so every ratio compares runs made at the same moment."
import statistics, time

def interleaved(fns:dict, reps:int)->dict:
    "Run each callable once to warm up, then `reps` rounds of all of them in turn; seconds per call, by name."
    for f in fns.values(): f()
    times = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
    return times

def median(times:dict, k:str)->float: return statistics.median(times[k])

def ratio(times:dict, a:str, b:str)->float:
    "Median over rounds of time(a)/time(b) measured in the same round."
    return statistics.median(x / y for x, y in zip(times[a], times[b]))

def plain(model, x, t):
    "The baseline: a plain forward pass and `.backward()` of the summed target logits (parameter gradients included)."
    model.zero_grad(set_to_none=True)
    model(x).gather(1, t[:, None]).sum().backward()
