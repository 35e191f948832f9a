// Wall time, CPU time and peak RSS of one child process, for the benchmark scripts: a python3
// wrapper times it and reads getrusage(RUSAGE_CHILDREN), which Node cannot give for a single
// child. On Linux it also reads the machine's steal time (/proc/stat) before and after: CPU time
// the hypervisor gave to other guests, which stretches wall times on a virtual machine.
import { spawnSync } from 'node:child_process';

const MEASURE = `
import os, resource, subprocess, sys, time
def steal():
    try:
        with open("/proc/stat") as f:
            return int(f.readline().split()[8]) / os.sysconf("SC_CLK_TCK")
    except Exception:
        return -1.0
s = steal()
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - t
st = steal() - s if s >= 0 else -1.0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
print(f"{r.returncode} {wall:.4f} {u.ru_maxrss} {u.ru_utime + u.ru_stime:.4f} {st:.2f}")
`;

/**
 * Runs `cmd` (argv); returns { wall (s), rssMiB, cpu (user + system, s), steal (s of the whole
 * machine's steal time during the run; -1: unknown) }; throws with its last stderr line if it fails.
 */
export function measure(cmd) {
  const r = spawnSync('python3', ['-c', MEASURE, ...cmd], { encoding: 'utf8' });
  const [code, wall, rss, cpu, steal] = r.stdout.trim().split(' ');
  if (code !== '0') throw new Error(`${cmd.join(' ')} failed (${code}): ${r.stderr.trim().split('\n').pop()}`);
  return { wall: Number(wall), rssMiB: Number(rss) / 1024, cpu: Number(cpu), steal: Number(steal) };
}
