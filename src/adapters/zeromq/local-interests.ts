import { subjectMatches } from "../../core/subject-grammar.js";
import type { TransportMessage, WireReply } from "../../core/transport-message.js";
import type { Interest } from "./link-frames.js";
import type { PeerLink } from "./peer-link.js";

export type SubscribeHandler = (msg: TransportMessage) => void | Promise<void>;
export type RespondHandler = (msg: TransportMessage) => Promise<WireReply> | WireReply;

/** A subscription or responder of this transport. */
export interface LocalInterest extends Interest {
  readonly handler: SubscribeHandler | RespondHandler;
}

/** Where a message goes: a local interest (no link) or a peer's, on its link. */
export interface Target {
  readonly link: PeerLink | undefined;
  readonly interest: Interest;
}

/**
 * Picks receivers the way NATS does, over this transport's own interests and its peers': a
 * publication reaches every plain subscriber and one member of each queue group; a request reaches
 * one responder. Members are taken in turn, so the load spreads.
 */
export class Receivers {
  private turn = 0;

  constructor(
    private readonly local: ReadonlyMap<string, LocalInterest>,
    private readonly links: () => Iterable<PeerLink>,
  ) {}

  private matching(subject: string, kind: "s" | "r"): Target[] {
    const out: Target[] = [];
    for (const interest of this.local.values())
      if (interest.kind === kind && subjectMatches(interest.pattern, subject))
        out.push({ link: undefined, interest });
    for (const link of this.links()) {
      if (!link.up) continue;
      for (const interest of link.interests.values())
        if (interest.kind === kind && subjectMatches(interest.pattern, subject)) out.push({ link, interest });
    }
    return out;
  }

  /** The one responder that gets a request, or `undefined` when nobody serves `subject`. */
  responder(subject: string): Target | undefined {
    const all = this.matching(subject, "r");
    if (all.length === 0) return undefined;
    return all[this.turn++ % all.length];
  }

  /** The subscribers that get a publication. */
  subscribers(subject: string): Target[] {
    const all = this.matching(subject, "s");
    const out: Target[] = [];
    const groups = new Map<string, Target[]>();
    for (const t of all) {
      const q = t.interest.queue;
      if (q === undefined) out.push(t);
      else {
        const members = groups.get(q);
        if (members === undefined) groups.set(q, [t]);
        else members.push(t);
      }
    }
    for (const members of groups.values()) out.push(members[this.turn++ % members.length]!);
    return out;
  }
}
