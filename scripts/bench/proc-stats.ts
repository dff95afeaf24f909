import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Linux reports process and machine CPU times in clock ticks, USER_HZ a second: 100 on every
// common distribution, which `getconf CLK_TCK` confirms.
const ticksPerSecond = readTicksPerSecond();

function readTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** CPU seconds used so far by named processes and by the whole machine. */
export interface CpuSample {
  processSeconds: Record<string, number>;
  machineBusySeconds: number;
  machineIdleSeconds: number;
}

/** The machine's CPU time between two samples, split by consumer, in core-seconds. */
export interface CpuSplit {
  /** Each named process, as the kernel counts it (user plus system time, all threads). */
  processSeconds: Record<string, number>;
  /** Busy time of every process not named: other programs on the machine, the kernel's own work. */
  otherSeconds: number;
  idleSeconds: number;
  /** Cores times elapsed time: the sum of all of the above. */
  totalSeconds: number;
}

/**
 * Reads the CPU time of each named process and of the machine from /proc. Returns undefined
 * where /proc is missing (not Linux); a process that has exited counts as zero.
 */
export function sampleCpu(pids: Record<string, number | undefined>): CpuSample | undefined {
  const machine = readMachineTicks();
  if (!machine) {
    return undefined;
  }

  const processSeconds: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    processSeconds[name] = pid === undefined ? 0 : (readProcessTicks(pid) ?? 0) / ticksPerSecond;
  }

  return {
    processSeconds,
    machineBusySeconds: machine.busy / ticksPerSecond,
    machineIdleSeconds: machine.idle / ticksPerSecond,
  };
}

/** Returns the CPU time spent between two samples of the same processes. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuSplit {
  const processSeconds: Record<string, number> = {};
  let ours = 0;
  for (const name of Object.keys(after.processSeconds)) {
    processSeconds[name] = after.processSeconds[name] - (before.processSeconds[name] ?? 0);
    ours += processSeconds[name];
  }

  const busy = after.machineBusySeconds - before.machineBusySeconds;
  const idle = after.machineIdleSeconds - before.machineIdleSeconds;
  return {
    processSeconds,
    // Process and machine times are sampled a moment apart, so a small negative rest is noise.
    otherSeconds: Math.max(0, busy - ours),
    idleSeconds: idle,
    totalSeconds: busy + idle,
  };
}

/** Returns the process's peak resident memory (VmHWM) in bytes, or undefined when unknown. */
export function readPeakResidentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}

// /proc/PID/stat: the command name is in parentheses and may contain spaces, so the fields are
// counted from the closing parenthesis. utime and stime are fields 14 and 15 of the line.
function readProcessTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

// The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...".
function readMachineTicks(): { busy: number; idle: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
  } catch {
    return undefined;
  }
}
