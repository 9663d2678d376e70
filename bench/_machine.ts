/**
 * What a benchmark ran on: CPU, cores, memory, GPU, Deno and the commit, so every number in the
 * report names its machine.
 *
 * @module
 */

import { cpus, totalmem } from "node:os";

/** The machine and software of a run. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  /** `nvidia-smi`'s name, memory and driver of GPU 0, when there is one. */
  gpu: { name: string; memoryBytes: number; driver: string } | null;
  deno: string;
  os: string;
  commit: string;
}

/** What the numbers depend on. */
const CODE = ["main.ts", "src", "cuda", "bench/*.ts", "bench/*.py", "deno.json", "deno.lock"];

/** Runs a command; its trimmed stdout, or undefined when it is missing or fails. */
export function commandOutput(command: string, args: string[]): string | undefined {
  try {
    const { success, stdout } = new Deno.Command(command, { args, stdout: "piped", stderr: "null" }).outputSync();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Describes this machine. */
export function describeMachine(): Machine {
  const smi = commandOutput("nvidia-smi", [
    "--query-gpu=name,memory.total,driver_version",
    "--format=csv,noheader,nounits",
    "--id=0",
  ]);
  const [name, memoryMiB, driver] = smi?.split(",").map((field) => field.trim()) ?? [];
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryBytes: totalmem(),
    gpu: name === undefined ? null : { name, memoryBytes: Number(memoryMiB) * 2 ** 20, driver: driver ?? "" },
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    // "-dirty" when the code differs from the commit: the numbers are then not that commit's. (Reports
    // and results are written by the runs themselves and do not count.)
    commit: (commandOutput("git", ["rev-parse", "--short", "HEAD"]) ?? "unknown") +
      (commandOutput("git", ["status", "--porcelain", "--untracked-files=no", "--", ...CODE]) ? "-dirty" : ""),
  };
}

/** GPU memory a process holds (its CUDA context included), from `nvidia-smi`; undefined without one. */
export function processDeviceBytes(pid: number): number | undefined {
  const out = commandOutput("nvidia-smi", ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"]);
  if (out === undefined) return undefined;
  for (const line of out.split("\n")) {
    const [p, mib] = line.split(",").map((field) => field.trim());
    if (Number(p) === pid) return Number(mib) * 2 ** 20;
  }
  return undefined;
}

/** Current and peak resident set of a process, from `/proc` (Linux). */
export function processMemory(pid: number): { rssBytes: number; peakRssBytes: number } | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
    return { rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
  } catch {
    return undefined;
  }
}
