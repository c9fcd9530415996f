// Every screen has an address under the plugin's route (Airflow mounts the page at plugin/cleverreach/*), so a
// reload or a shared link opens the same screen: tenants → a tenant's lists (and its audit trail, access,
// administration) → a list's tabs. Addresses carry ids only, never a name or an e-mail address.
import { useParams } from "react-router-dom";

export type ListTab = "details" | "languages" | "members" | "add" | "sync";
export type TenantTab = "lists" | "audit" | "admin";

const enc = encodeURIComponent;

export function usePluginRoot(): string {
  const { page } = useParams();
  return `/plugin/${page ?? "cleverreach"}`;
}

export const paths = {
  tenants: (root: string) => root,
  access: (root: string) => `${root}/access`,
  tenant: (root: string, tenantId: string, tab: TenantTab = "lists") =>
    `${root}/tenants/${enc(tenantId)}${tab === "lists" ? "" : `/${tab}`}`,
  list: (root: string, tenantId: string, listId: string, tab: ListTab = "details") =>
    `${root}/tenants/${enc(tenantId)}/lists/${enc(listId)}${tab === "details" ? "" : `/${tab}`}`,
};
