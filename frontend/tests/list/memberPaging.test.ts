import {
  FIRST_VIEW, memberTotal, membersQuery, moveTo, pageCount, personName, settledNumber, toggled, toggledPage, toggleSort, withState,
} from "src/screens/list/memberPaging";

describe("membersQuery", () => {
  it("asks for the first page in the chosen order", () => {
    expect(membersQuery(FIRST_VIEW)).toBe("page_size=50&sort=contact&order=asc");
  });

  it("pages after or before a boundary contact id, or to the last page", () => {
    const q = new URLSearchParams(membersQuery({ ...FIRST_VIEW, position: "after", boundary: "4711", state: "rejected" }));
    expect(q.get("after")).toBe("4711");
    expect(q.get("state")).toBe("rejected");
    expect(q.has("before")).toBe(false);
    expect(new URLSearchParams(membersQuery({ ...FIRST_VIEW, position: "before", boundary: "12" })).get("before")).toBe("12");
    const last = new URLSearchParams(membersQuery({ ...FIRST_VIEW, position: "last" }));
    expect(last.get("last")).toBe("true");
    expect(last.has("after")).toBe(false);
  });

  it("sorts by the API's keys", () => {
    expect(new URLSearchParams(membersQuery(toggleSort(FIRST_VIEW, "person"))).get("sort")).toBe("person");
  });
});

describe("page numbers", () => {
  const counts = { synced: 120, rejected: 3, pending: 0 };

  it("count the members of the filtered state", () => {
    expect(memberTotal(counts, "")).toBe(123);
    expect(memberTotal(counts, "rejected")).toBe(3);
    expect(memberTotal(counts, "bounced")).toBe(0);
    expect(memberTotal(undefined, "")).toBe(0);
    expect(pageCount(123)).toBe(3);
    expect(pageCount(100)).toBe(2);
    expect(pageCount(0)).toBe(1);
  });

  it("move with first, previous, next and last", () => {
    let view = moveTo(FIRST_VIEW, "after", "50", 3);
    expect(view).toMatchObject({ position: "after", boundary: "50", number: 2 });
    view = moveTo(view, "after", "100", 3);
    expect(view.number).toBe(3);
    expect(moveTo(view, "after", "x", 3).number).toBe(3);
    expect(moveTo(view, "before", "101", 3).number).toBe(2);
    expect(moveTo(view, "first", null, 3)).toMatchObject({ number: 1, boundary: null });
    expect(moveTo(FIRST_VIEW, "last", null, 3).number).toBe(3);
    expect(moveTo(FIRST_VIEW, "before", "1", 3).number).toBe(1);
  });

  it("trust the ends the answer reports", () => {
    const view = { ...FIRST_VIEW, number: 2 };
    expect(settledNumber(view, { before: null, after: "9" }, 5)).toBe(1);
    expect(settledNumber(view, { before: "3", after: null }, 5)).toBe(5);
    expect(settledNumber(view, { before: "3", after: "9" }, 5)).toBe(2);
    expect(settledNumber({ ...view, number: 9 }, { before: "3", after: "9" }, 5)).toBe(5);
  });
});

describe("sorting and filtering", () => {
  it("flips the order on the same column and starts again at page 1", () => {
    const paged = { ...FIRST_VIEW, position: "after" as const, boundary: "7", number: 4 };
    const desc = toggleSort(paged, "contact");
    expect(desc).toMatchObject({ sort: "contact", order: "desc", position: "first", boundary: null, number: 1 });
    expect(toggleSort(desc, "contact").order).toBe("asc");
    expect(toggleSort(desc, "email")).toMatchObject({ sort: "email", order: "asc" });
  });

  it("a new state filter starts at the first page", () => {
    expect(withState({ ...FIRST_VIEW, position: "last", number: 3 }, "rejected")).toMatchObject({ state: "rejected", position: "first", number: 1 });
  });
});

describe("people and picks", () => {
  it("names a person from what is there", () => {
    expect(personName({ salutation: "Frau", first_name: "Anna", last_name: "Muster" })).toBe("Frau Anna Muster");
    expect(personName({ salutation: null, first_name: null, last_name: "Muster" })).toBe("Muster");
    expect(personName({ salutation: null, first_name: null, last_name: null })).toBe("");
  });

  it("never changes a selection in place", () => {
    const before = new Set(["1"]);
    const after = toggled(before, "2", true);
    expect([...after].sort()).toEqual(["1", "2"]);
    expect([...before]).toEqual(["1"]);
    expect([...toggled(after, "1", false)]).toEqual(["2"]);
    const page = toggledPage(new Set(["9"]), ["1", "2"], true);
    expect([...page].sort()).toEqual(["1", "2", "9"]);
    expect([...toggledPage(page, ["1", "2"], false)]).toEqual(["9"]);
  });
});
