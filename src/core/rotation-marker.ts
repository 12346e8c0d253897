/**
 * Whose is a rotation's in-progress marker, and may another caller take it over? A marker names
 * its owner: the host name, the process id, a nonce and the machine scope the process id means
 * something in (a hash of the boot and the pid namespace, src/api/rotate.ts). On a store shared by
 * hosts, a caller can only check a process of its own machine scope: a marker of another one (or
 * of a process that is alive) is live until its lease runs out; a marker of a dead process of its
 * own scope is stale at once. Two hosts (or containers) with one host name are told apart by the
 * scope, never mistaken for one: a live rotation elsewhere is never taken over early.
 */

/** Where a caller runs. `scope` is empty when it cannot be known (then the host name alone decides). */
export interface RunnerPlace {
  host: string;
  scope: string;
}

export interface MarkerOwner {
  host: string;
  pid: number;
  /** Absent in markers written before scopes were recorded. */
  scope?: string;
}

export function ownerToken(place: RunnerPlace, pid: number, nonce: string): string {
  return [place.host, String(pid), nonce, ...(place.scope ? [place.scope] : [])].join(':');
}

export function parseOwner(owner: string): MarkerOwner {
  const [host = '', pid = '', , scope] = owner.split(':');
  return { host, pid: Number(pid), ...(scope ? { scope } : {}) };
}

/** Whether the marker's process can be checked from `here` (the same machine and pid namespace). */
export function checkableFrom(owner: MarkerOwner, here: RunnerPlace): boolean {
  if (owner.host !== here.host) return false;
  // Same host name: the scopes decide when both are known; a marker without one is trusted to the name.
  return owner.scope === undefined || here.scope === '' || owner.scope === here.scope;
}

/**
 * A marker is stale (may be taken over, its version remembered for recovery) once its lease ran
 * out, or when its process is one `here` can check and it is gone.
 */
export function markerIsStale(
  marker: { owner: string; startedAt: string },
  here: RunnerPlace,
  nowMs: number,
  leaseMs: number,
  isAlive: (pid: number) => boolean,
): boolean {
  if (nowMs - Date.parse(marker.startedAt) > leaseMs) return true;
  const owner = parseOwner(marker.owner);
  return checkableFrom(owner, here) && !isAlive(owner.pid);
}
