// How a sync run reads: its counts in one line and the colour of its status.
import type { SyncRun } from "src/api/types";

/** "+3 ~1 -2" (added, updated, removed). */
export function runCounts(run: Pick<SyncRun, "added" | "updated" | "removed">): string {
  return `+${run.added ?? 0} ~${run.updated ?? 0} -${run.removed ?? 0}`;
}

const PALETTES: Record<string, string> = {
  success: "green", dry_run: "blue", running: "blue", partial: "orange", blocked: "orange",
  failed: "red", abandoned: "gray",
};

export function statusPalette(status: string): string {
  return PALETTES[status] ?? "gray";
}

/** Only the list's latest run, blocked by the mass-removal guard, can be approved (sync.py approve). */
export function approvable(run: Pick<SyncRun, "id" | "status">, latestId: number | null | undefined): boolean {
  return run.status === "blocked" && (latestId === undefined || latestId === null || latestId === run.id);
}

/** The counts per action, largest first, zero counts left out. */
export function actionCounts(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
