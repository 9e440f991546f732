import type { Context } from "tesserae";
import { args, optional, type Requester, replier, requestReply } from "tesserae/connections";
import { type StateHandle, state } from "tesserae/states";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";

// Type-level tests (`tsc` runs over this file before the tests): a replicated state's handle and
// a connection's sending side are typed from their schemas and models.

const book = state("book", z.object({ bid: z.number(), ask: z.number(), venue: z.string().optional() }), {
  initial: { bid: 0, ask: 0 },
});
const quote = requestReply("types.quote", {
  args: args({ symbol: z.string(), depth: optional(z.number().int()) }),
  returns: args({ price: z.number() }),
});

describe("types of states and connections", () => {
  it("types ctx.use(state): the value, and the deltas the owner may send", () => {
    const read = (ctx: Context) => {
      const h = ctx.use(book);
      expectTypeOf(h).toMatchTypeOf<StateHandle<{ bid: number; ask: number; venue?: string | undefined }>>();
      expectTypeOf(h.value.bid).toEqualTypeOf<number>();
      void h.patch({ bid: 1, venue: null });
      // @ts-expect-error a value of the wrong type
      void h.patch({ bid: "1" });
      // @ts-expect-error a key the state does not have
      void h.patch({ last: 1 });
      // @ts-expect-error a full update must be a whole value
      void h.set({ bid: 1 });
    };
    expectTypeOf(read).toBeFunction();
  });

  it("types ctx.use(connection): the arguments and the reply; the replier's handler too", () => {
    const ask = (ctx: Context) => {
      const r = ctx.use(quote);
      expectTypeOf(r).toEqualTypeOf<
        Requester<{ readonly symbol: string; readonly depth?: number }, { readonly price: number }>
      >();
      // @ts-expect-error the required symbol is missing
      void r.request({ depth: 2 });
    };
    expectTypeOf(ask).toBeFunction();
    // @ts-expect-error the reply must match the return model
    replier(quote, () => ({ cost: 1 }));
    replier(quote, ({ symbol, depth }) => ({ price: symbol.length + (depth ?? 0) }));
  });
});
