// The members table's keyset paging, kept pure: the API pages by position (first, last, after/before a boundary
// contact id; the sort keys are members.py MemberSort) and never counts, so the page number is derived from the list's member_counts and the ends the
// answer reports (before/after null).
import type { Member, MemberPage } from "src/api/types";

export const PAGE_SIZE = 50;
export const MEMBER_SORTS = ["contact", "person", "function", "email", "state", "added"] as const;
export const MEMBER_STATES = ["pending", "synced", "unconfirmed", "rejected", "unsubscribed", "bounced"] as const;

export type MemberSort = (typeof MEMBER_SORTS)[number];
export type Position = "first" | "last" | "after" | "before";

export interface MemberView {
  sort: MemberSort;
  order: "asc" | "desc";
  state: string;
  position: Position;
  boundary: string | null;
  number: number;
}

export const FIRST_VIEW: MemberView = { sort: "contact", order: "asc", state: "", position: "first", boundary: null, number: 1 };

/** The query string of one page (ids only, never names: the URL lands in the API server's log). */
export function membersQuery(view: MemberView, pageSize = PAGE_SIZE): string {
  const query = new URLSearchParams({ page_size: String(pageSize), sort: view.sort, order: view.order });
  if (view.state) query.set("state", view.state);
  if ((view.position === "after" || view.position === "before") && view.boundary !== null) query.set(view.position, view.boundary);
  if (view.position === "last") query.set("last", "true");
  return query.toString();
}

/** Members in the filtered state (all states without a filter). */
export function memberTotal(counts: Record<string, number> | undefined, state: string): number {
  const all = counts ?? {};
  return state ? (all[state] ?? 0) : Object.values(all).reduce((a, b) => a + b, 0);
}

export function pageCount(total: number, pageSize = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** The view after a click on first/prev/next/last: the page number moves with it. */
export function moveTo(view: MemberView, position: Position, boundary: string | null, pages: number): MemberView {
  const number = { first: 1, last: pages, after: Math.min(pages, view.number + 1), before: Math.max(1, view.number - 1) }[position];
  return { ...view, position, boundary, number };
}

/** The page number once an answer came: the ends the API reports win over the arithmetic. */
export function settledNumber(view: MemberView, page: Pick<MemberPage, "before" | "after">, pages: number): number {
  if (page.before === null) return 1;
  if (page.after === null) return pages;
  return Math.min(Math.max(1, view.number), pages);
}

/** A click on a column header: the same column flips the order, another one sorts ascending; back to page 1. */
export function toggleSort(view: MemberView, sort: MemberSort): MemberView {
  const order = view.sort === sort && view.order === "asc" ? "desc" : "asc";
  return { ...view, sort, order, position: "first", boundary: null, number: 1 };
}

export function withState(view: MemberView, state: string): MemberView {
  return { ...view, state, position: "first", boundary: null, number: 1 };
}

export function personName(member: Pick<Member, "salutation" | "first_name" | "last_name">): string {
  return [member.salutation, member.first_name, member.last_name].filter(Boolean).join(" ");
}

/** A new selection with the id picked or unpicked (a Set is never changed in place: React compares it). */
export function toggled(selected: ReadonlySet<string>, id: string, on: boolean): Set<string> {
  const next = new Set(selected);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** The whole page picked or unpicked, leaving picks on other pages alone. */
export function toggledPage(selected: ReadonlySet<string>, ids: string[], on: boolean): Set<string> {
  const next = new Set(selected);
  for (const id of ids) {
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}
