import { grantKey, grantPath } from "src/screens/tenant/accessText";
import { tenantTab } from "src/screens/tenant/tabs";

describe("grants", () => {
  it("are found by user/tenant and revoked by path, the last one with lift_limit", () => {
    const grant = { username: "anna m", tenant_id: "acme" };
    expect(grantKey(grant)).toBe("anna m/acme");
    expect(grantPath(grant)).toBe("access/grants/anna%20m/acme");
    expect(grantPath({ username: "a/b", tenant_id: "acme" }, true)).toBe("access/grants/a%2Fb/acme?lift_limit=true");
  });
});

describe("tenantTab", () => {
  it("opens the tab the address names", () => {
    expect(tenantTab(undefined, false, false)).toBe("lists");
    expect(tenantTab("audit", false, false)).toBe("audit");
    expect(tenantTab("admin", true, false)).toBe("admin");
  });

  it("opens the lists for an unknown tab or the admin tab without the right", () => {
    expect(tenantTab("nonsense", true, false)).toBe("lists");
    expect(tenantTab("admin", false, false)).toBe("lists");
  });

  it("opens a tenant the CRM no longer has on its administration", () => {
    expect(tenantTab(undefined, true, true)).toBe("admin");
    expect(tenantTab("audit", true, true)).toBe("admin");
  });
});
