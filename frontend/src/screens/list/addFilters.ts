// The "add recipients" dialog's filters as the API takes them (schemas.Filters), and when "Add" may be pressed.
import type { Preview } from "src/api/types";

export const FILTER_KINDS = ["letter", "tag", "category", "sales_process", "search"] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];
export type FilterValues = Partial<Record<FilterKind, string>>;

/** Only the filters that are set, trimmed: an empty filter means "any", never "empty text". */
export function filtersBody(values: FilterValues): FilterValues {
  const body: FilterValues = {};
  for (const kind of FILTER_KINDS) {
    const value = values[kind]?.trim();
    if (value) body[kind] = value;
  }
  return body;
}

export function hasFilter(values: FilterValues): boolean {
  return Object.keys(filtersBody(values)).length > 0;
}

/** Two filter sets select the same (so a preview still describes what "Add" would add). */
export function sameFilters(a: FilterValues, b: FilterValues): boolean {
  return JSON.stringify(filtersBody(a)) === JSON.stringify(filtersBody(b));
}

/** "Add" needs the right, a preview of exactly these filters, and someone to add. */
export function canAdd(canManage: boolean, preview: Preview | null, previewed: FilterValues | null, current: FilterValues): boolean {
  return canManage && preview !== null && preview.count > 0 && previewed !== null && sameFilters(previewed, current);
}
