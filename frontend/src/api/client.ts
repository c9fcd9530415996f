// The page's JSON API (plugins/cleverreach/ui/routers), relative to Airflow's base URL so that the page works
// under any path prefix. Requests carry Airflow's own login (same-origin cookies).

export class ApiError extends Error {
  constructor(readonly status: number, readonly detail: string) {
    super(detail);
  }
}

export function apiUrl(path: string): string {
  return new URL(`cleverreach/api/${path}`, document.baseURI).toString();
}

function detailOf(data: unknown, fallback: string): string {
  const detail = (data as { detail?: unknown })?.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join(".")}: ${d.msg ?? ""}`).join("; ");
  }
  return fallback;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const request: RequestInit = { credentials: "same-origin", method: init.method ?? "GET", headers, signal: init.signal };
  if (init.body !== undefined) {
    headers["Content-Type"] = "application/json";
    request.body = JSON.stringify(init.body);
  }
  const response = await fetch(apiUrl(path), request);
  if (response.status === 204) return null as T;
  const data: unknown = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, detailOf(data, response.statusText));
  return data as T;
}

export const enc = encodeURIComponent;
