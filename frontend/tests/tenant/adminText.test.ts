import { confirmed, erasureBody, erasureEnded, flatCounts, newIdValid, renameReady } from "src/screens/tenant/adminText";

describe("the typed confirmation", () => {
  it("repeats the tenant id exactly (blanks around it do not count)", () => {
    expect(confirmed("acme", " acme ")).toBe(true);
    expect(confirmed("acme", "ACME")).toBe(false);
    expect(confirmed("acme", "")).toBe(false);
  });

  it("sends a rename only to a valid new id other than the old one", () => {
    expect(renameReady("acme", "acme-2", "acme")).toBe(true);
    expect(renameReady("acme", "acme-2", "acm")).toBe(false);
    expect(newIdValid("acme", "acme")).toBe(false);
    expect(newIdValid("acme", "a b")).toBe(false);
    expect(newIdValid("acme", "")).toBe(false);
    expect(newIdValid("acme", "x".repeat(101))).toBe(false);
    expect(newIdValid("acme", " nord.licht_2 ")).toBe(true);
  });
});

describe("erasureBody", () => {
  it("reads contact ids (numbers where digits) and addresses, one a line", () => {
    expect(erasureBody("12, 13;abc-1\n 14", "anna@example.org\n\n bob@example.org ,carl@example.org")).toEqual({
      contact_ids: [12, 13, "abc-1", 14],
      emails: ["anna@example.org", "bob@example.org", "carl@example.org"],
    });
    expect(erasureBody("  ", "")).toEqual({ contact_ids: [], emails: [] });
    expect(erasureBody("12345678901234567890", "").contact_ids).toEqual(["12345678901234567890"]);
  });
});

describe("erasure status", () => {
  it("ends with done or failed", () => {
    expect(erasureEnded("done")).toBe(true);
    expect(erasureEnded("failed")).toBe(true);
    expect(erasureEnded("pending")).toBe(false);
    expect(erasureEnded("running")).toBe(false);
    expect(erasureEnded(undefined)).toBe(false);
  });

  it("shows nested counts per kind", () => {
    expect(flatCounts({ cleverreach: { receivers_deleted: 2, groups: 3 }, memberships: 4 }))
      .toEqual(["cleverreach.receivers_deleted: 2", "cleverreach.groups: 3", "memberships: 4"]);
    expect(flatCounts(null)).toEqual([]);
  });
});
