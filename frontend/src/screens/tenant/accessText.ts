// Tenant grants' addresses (pure): the row key the browser tests find (user/tenant) and the API path of a revoke.
import type { TenantGrant } from "src/api/types";

export function grantKey(grant: Pick<TenantGrant, "username" | "tenant_id">): string {
  return `${grant.username}/${grant.tenant_id}`;
}

/** DELETE access/grants/<user>/<tenant>; lift_limit=true when the admin confirmed that the last grant goes. */
export function grantPath(grant: Pick<TenantGrant, "username" | "tenant_id">, liftLimit = false): string {
  const path = `access/grants/${encodeURIComponent(grant.username)}/${encodeURIComponent(grant.tenant_id)}`;
  return liftLimit ? `${path}?lift_limit=true` : path;
}
