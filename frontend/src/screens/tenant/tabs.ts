// Which tab of a tenant the address opens (pure): the URL is the source of truth, so a reload keeps the tab.
import type { TenantTab } from "src/context/paths";

export const TENANT_TABS: TenantTab[] = ["lists", "audit", "admin"];

/** The tab the address names; an unknown one, or the admin tab without the right, is the lists; a tenant the CRM
 * no longer has (a former one) has its administration only. */
export function tenantTab(tab: string | undefined, isAdmin: boolean, former: boolean): TenantTab {
  if (former) return "admin";
  const named = TENANT_TABS.find((name) => name === tab) ?? "lists";
  return named === "admin" && !isAdmin ? "lists" : named;
}
