// The list screen's tabs: the URL's :tab is the one source of truth, so a reload keeps the tab.
import type { ListTab } from "src/context/paths";

export const LIST_TABS: readonly ListTab[] = ["details", "languages", "members", "add", "sync"];

/** The tab a path segment names; a missing or unknown one is the details tab. */
export function tabOf(segment: string | undefined): ListTab {
  return LIST_TABS.find((tab) => tab === segment) ?? "details";
}
