// The screens and their addresses (context/paths.ts); who is logged in is asked once and shared (context/me.tsx).
import { Box } from "@chakra-ui/react";
import { Route, Routes } from "react-router-dom";

import { useState } from "react";

import { prefetch, useApi } from "./api/useApi";
import type { Me } from "./api/types";
import { ErrorNote, Loading } from "./components/States";
import { MeContext } from "./context/me";
import { AccessScreen } from "./screens/tenant/AccessScreen";
import { ListScreen } from "./screens/list/ListScreen";
import { TenantScreen } from "./screens/tenant/TenantScreen";
import { TenantsScreen } from "./screens/TenantsScreen";

export function App() {
  useState(() => prefetch("tenants"));  // every screen names its tenant: ask beside "me", not after it
  const me = useApi<Me>("me");
  if (me.loading && !me.data) return <Loading />;
  if (!me.data) return <Box p={4}><ErrorNote error={me.error} /></Box>;
  return (
    <MeContext.Provider value={me.data}>
      <Routes>
        <Route index element={<TenantsScreen />} />
        <Route path="access" element={<AccessScreen />} />
        <Route path="tenants/:tenantId" element={<TenantScreen />} />
        <Route path="tenants/:tenantId/:tab" element={<TenantScreen />} />
        <Route path="tenants/:tenantId/lists/:listId" element={<ListScreen />} />
        <Route path="tenants/:tenantId/lists/:listId/:tab" element={<ListScreen />} />
        <Route path="*" element={<TenantsScreen />} />
      </Routes>
    </MeContext.Provider>
  );
}
