// CPU accounting from /proc (Linux): on a shared machine, CPU time per event is steadier than wall-clock
// throughput, so the report shows both.
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

async function stat(pid) {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU milliseconds used so far by `rootPid`, its reaped children and its live descendants (for
 * PostgreSQL: the postmaster, its backends and background workers).
 */
export async function treeCpuMs(rootPid) {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = new Map();
  await Promise.all(
    pids.map(async (pid) => {
      const s = await stat(pid);
      if (s) stats.set(pid, s);
    }),
  );
  const root = stats.get(rootPid);
  if (!root) return Number.NaN;
  let ticks = root.own + root.reaped;
  const children = new Map();
  for (const [pid, s] of stats) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.pop();
    ticks += stats.get(pid)?.own ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU milliseconds of this process so far. */
export function selfCpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The machine's CPU time so far (all CPUs, in ticks): total, and stolen by the hypervisor. */
async function machineTicks() {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: fields[7] ?? 0 };
}

/**
 * Measures the CPU each named process tree uses while `work` runs, and the share of the machine's CPU
 * time the hypervisor stole meanwhile (a virtual machine's sign of neighbours competing for the host).
 */
export async function measureCpu(trees, work) {
  const before = {};
  for (const [name, pid] of Object.entries(trees)) before[name] = pid === 'self' ? selfCpuMs() : await treeCpuMs(pid);
  const machineBefore = await machineTicks();
  const result = await work();
  const machineAfter = await machineTicks();
  const used = {};
  for (const [name, pid] of Object.entries(trees)) {
    used[name] = (pid === 'self' ? selfCpuMs() : await treeCpuMs(pid)) - before[name];
  }
  const total = machineAfter.total - machineBefore.total;
  return { result, cpuMs: used, stealShare: total > 0 ? (machineAfter.steal - machineBefore.steal) / total : 0 };
}
