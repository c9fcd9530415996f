import { useCallback, useEffect, useState } from "react";

import { api } from "./client";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

// Answers asked for before a screen needs them (the first screen's data is asked for together with who is logged
// in, not after it); a screen takes each one once, later loads ask again.
const early = new Map<string, Promise<unknown>>();

export function prefetch(path: string): void {
  if (early.has(path)) return;
  const answer = api(path);
  answer.catch(() => undefined);  // a screen that takes it handles the error; one that never comes must not warn
  early.set(path, answer);
}

/** GET a path and keep its answer; a new path (or reload) fetches again and drops the answer of an older one. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    const pending = early.get(path) as Promise<T> | undefined;
    early.delete(path);
    (pending ?? api<T>(path, { signal: abort.signal })).then(
      (data) => { if (!abort.signal.aborted) setState({ data, loading: false }); },
      (error: unknown) => { if (!abort.signal.aborted) setState({ error, loading: false }); },
    );
    return () => abort.abort();
  }, [path, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
