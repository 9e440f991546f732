import { entry, service, TesseraError } from "tesserae";
import { z } from "zod";

/** The countries the carrier delivers to (ISO 3166 codes). */
export const countries = ["DE", "ES", "FR", "GB", "IT", "NL", "US"] as const;

/** Ships orders: `POST /shipping/ship`, `GET /shipping/countries`. */
export const shipping = service("shipping", {
  description: "Ships orders",
  entries: {
    ship: entry(
      {
        input: z.object({ orderId: z.string().min(1), country: z.string().length(2) }),
        output: z.object({ orderId: z.string(), trackingId: z.string() }),
        summary: "Hands an order to the carrier",
      },
      ({ orderId, country }, ctx) => {
        // A refusal is a TESSERA_CONFLICT (409): the caller asked for something that cannot be done.
        if (!(countries as readonly string[]).includes(country.toUpperCase())) {
          throw TesseraError.conflict(`shipping does not deliver to ${country}`, { country });
        }
        // Derived from the order: sending the same order again gives the same parcel.
        const trackingId = `trk_${orderId}`;
        ctx.log.info("order shipped", { orderId, trackingId });
        return { orderId, trackingId };
      },
    ),
    getCountries: entry({ summary: "The countries the carrier delivers to" }, () => ({ countries })),
  },
});
