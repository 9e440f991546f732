import { describe, expect, it } from "vitest";
import { jsonCodec, richJsonCodec } from "../../src/core/codec.js";
import { withWireDates } from "../../src/core/wire-dates.js";
import { okReply, readReply } from "../../src/core/wire-reply.js";

const at = new Date("2024-05-01T10:00:00.000Z");

describe("objects with wire dates", () => {
  it("their JSON form writes the marked dates as ISO strings, and the JSON codec accepts them", () => {
    const o = withWireDates({ id: "a", at }, ["at"]);
    expect(JSON.stringify(o)).toBe('{"id":"a","at":"2024-05-01T10:00:00.000Z"}');
    expect(() => jsonCodec.encode({ page: [o] })).not.toThrow();
  });

  it("a Date elsewhere in the JSON form is still refused by the JSON codec", () => {
    const o = withWireDates({ id: "a", at, inner: { when: at } }, ["at"]);
    expect(() => jsonCodec.encode(o)).toThrow(/inner\.when is a Date/);
  });

  for (const codec of [jsonCodec, richJsonCodec]) {
    it(`a reply read back has Dates where the server had them (${codec.contentType})`, () => {
      const value = { items: [withWireDates({ id: "a", at }, ["at"])], total: 1 };
      const reply = okReply(codec, value);
      const read = readReply(codec, {
        subject: "x",
        data: reply.data,
        headers: reply.headers ?? {},
      }) as typeof value;
      expect(read.items[0]?.at).toBeInstanceOf(Date);
      expect(read.items[0]?.at.getTime()).toBe(at.getTime());
      // Read back, it can travel again.
      expect(JSON.stringify(read)).toBe(JSON.stringify(value));
    });
  }

  it("a reply without marked objects carries no header", () => {
    expect(okReply(jsonCodec, { a: 1, b: [1, 2] }).headers).toBeUndefined();
  });

  it("a header that does not fit the value changes nothing", () => {
    const data = jsonCodec.encode({ at: "not a date", n: 1 });
    for (const h of ["garbage", '[[["nope"],["at"]]]', '[[[],["at"]]]', "[1]"]) {
      const read = readReply(jsonCodec, { subject: "x", data, headers: { "tessera-dates": h } });
      expect(read).toEqual({ at: "not a date", n: 1 });
    }
  });
});
