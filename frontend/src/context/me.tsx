import { createContext, useContext } from "react";

import type { Me, Permission } from "src/api/types";

export const MeContext = createContext<Me>({ user: "", permissions: [], tenants: null });

export function useMe(): Me {
  return useContext(MeContext);
}

/** Whether the logged-in user holds a right; the API refuses the action anyway (403) when not. */
export function useCan(permission: Permission): boolean {
  return useMe().permissions.includes(permission);
}
