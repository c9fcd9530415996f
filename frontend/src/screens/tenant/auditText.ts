// The audit trail in words (pure): who (the actor rule of cleverreach.audit.actor), what (one catalogue key per
// action of cleverreach.enums.AuditAction, unknown ones shown raw), the detail as "key: value" chips, the run's
// address in Airflow's UI and the API path of one page.

/** Every action the audit trail records (docs/ui-and-rights.md, "Audit trail"); each has audit.actions.<name>. */
export const AUDIT_ACTIONS = [
  "list_imported", "list_revived", "list_gone", "list_renamed", "list_translation_set", "list_translation_deleted",
  "members_added", "members_removed", "sync_started", "sync_finished", "sync_approved", "sync_approval_used",
  "access_granted", "access_revoked", "contact_erased", "tenant_renamed", "tenant_moved", "webhook_registered",
  "webhook_removed",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isKnownAction(action: string): action is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(action);
}

export type Actor =
  | { kind: "user"; name: string }
  | { kind: "run"; dagId: string; runId: string }
  | { kind: "other"; text: string };

/** `user:anna` is anna; `run:<dag_id>/<run_id>` is a run (the run id may hold slashes, the DAG id may not). */
export function parseActor(actor: string | null | undefined): Actor {
  const text = actor ?? "";
  if (text.startsWith("user:") && text.length > 5) return { kind: "user", name: text.slice(5) };
  if (text.startsWith("run:")) {
    const rest = text.slice(4);
    const slash = rest.indexOf("/");
    if (slash > 0 && slash < rest.length - 1) return { kind: "run", dagId: rest.slice(0, slash), runId: rest.slice(slash + 1) };
  }
  return { kind: "other", text };
}

/** A run's page in Airflow's UI, relative to Airflow's base URL (the page lives under any path prefix). */
export function runPath(dagId: string, runId: string): string {
  return `dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}`;
}

export function runHref(dagId: string, runId: string, base: string = document.baseURI): string {
  return new URL(runPath(dagId, runId), base).toString();
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) return value.length ? value.map(valueText).join(", ") : "–";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The detail's counts, flags, ids and words as "key: value", in the order the API sent them. */
export function detailChips(detail: Record<string, unknown> | null | undefined): string[] {
  return Object.entries(detail ?? {}).map(([key, value]) => `${key}: ${valueText(value)}`);
}

export interface AuditQuery {
  before?: number | null;
  after?: number | null;
  listId?: string | null;
  limit?: number;
}

/** The API path of one page: the newest, or the one older than `before` / newer than `after` (at most one). */
export function auditPath(tenantId: string, query: AuditQuery = {}): string {
  const params = new URLSearchParams({ limit: String(query.limit ?? 50) });
  if (query.listId) params.set("list_id", query.listId);
  if (query.before != null) params.set("before", String(query.before));
  else if (query.after != null) params.set("after", String(query.after));
  return `tenants/${encodeURIComponent(tenantId)}/audit?${params.toString()}`;
}
