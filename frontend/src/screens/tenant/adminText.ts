// The admin tab's rules (pure): when a typed confirmation may be sent, how the erasure form's text becomes the
// request, and when an erasure request has come to an end (then its status is no longer polled).

export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

/** The typed confirmation repeats the tenant id exactly (the API's `confirm`). */
export function confirmed(tenantId: string, typed: string): boolean {
  return typed.trim() === tenantId;
}

/** The new id of a rename: a valid tenant id other than the old one. */
export function newIdValid(tenantId: string, newId: string): boolean {
  const next = newId.trim();
  return TENANT_ID_PATTERN.test(next) && next !== tenantId;
}

/** A rename is sent once the old id is typed and the new one is valid. */
export function renameReady(tenantId: string, newId: string, typed: string): boolean {
  return confirmed(tenantId, typed) && newIdValid(tenantId, newId);
}

/** Contact ids separated by blanks, commas or semicolons; digits become numbers (the CRM's keys). */
export function parseContactIds(text: string): (string | number)[] {
  return text.split(/[\s,;]+/).filter(Boolean).map((v) => (/^\d{1,15}$/.test(v) ? Number(v) : v));
}

/** E-mail addresses, one a line (commas, semicolons and blanks separate them too). */
export function parseEmails(text: string): string[] {
  return text.split(/[\s,;]+/).map((v) => v.trim()).filter(Boolean);
}

export function erasureBody(contacts: string, emails: string): { contact_ids: (string | number)[]; emails: string[] } {
  return { contact_ids: parseContactIds(contacts), emails: parseEmails(emails) };
}

/** done and failed end a request (a failed one is retried by clearing its run in Airflow). */
export function erasureEnded(status: string | null | undefined): boolean {
  return status === "done" || status === "failed";
}

/** Nested counts as "kind.key: n" (the erasure's counts per kind of data). */
export function flatCounts(counts: Record<string, unknown> | null | undefined, prefix = ""): string[] {
  return Object.entries(counts ?? {}).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? flatCounts(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}: ${Array.isArray(value) ? value.join(", ") : String(value)}`]);
}
