/** True while a process `pid` exists (signal 0 checks without signalling): to prove a test left nothing running. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
