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

/** The plain subscribers of one subject, the remote ones by link, and its queue groups. */
export interface Fanout {
  readonly local: readonly LocalInterest[];
  /** One entry per link: the ids of the peer's plain subscriptions, comma-separated. */
  readonly remote: readonly { readonly link: PeerLink; readonly ids: string }[];
  /** Each queue group's members: a publication goes to one of each. */
  readonly groups: readonly (readonly Target[])[];
}

/** Subjects whose receivers are remembered until an interest or a link changes. */
const cachedSubjects = 1024;

/**
 * Picks receivers the way NATS does, over this transport's own interests and its peers': a
 * publication reaches every plain subscriber and one member of each queue group; a request reaches
 * one responder. Members are taken in turn, so the load spreads. Who matches a subject is worked
 * out once and remembered until `changed()` (an interest or a link changed).
 */
export class Receivers {
  private turn = 0;
  private readonly fanouts = new Map<string, Fanout>();
  private readonly responders = new Map<string, readonly Target[]>();

  constructor(
    private readonly local: ReadonlyMap<string, LocalInterest>,
    private readonly links: () => Iterable<PeerLink>,
    /** This transport's own id: a link back to itself serves nothing (its interests are local). */
    private readonly self: string,
  ) {}

  /** Forgets what was worked out: an interest or a link changed. */
  changed(): void {
    this.fanouts.clear();
    this.responders.clear();
  }

  /** The next member of a group (in turn). */
  pick<T>(members: readonly T[]): T {
    return members[this.turn++ % members.length]!;
  }

  private matching(subject: string, kind: "s" | "r"): Target[] {
    const out: Target[] = [];
    for (const interest of this.local.values())
      if (interest.kind === kind && subjectMatches(interest.pattern, subject))
        out.push({ link: undefined, interest });
    // Each peer over one link only: two transports that each bind and connect to the other have
    // two links, and a message on both would arrive twice.
    const served = new Set<string>([this.self]);
    for (const link of this.links()) {
      if (!link.up) continue;
      if (link.peer !== undefined) {
        if (served.has(link.peer)) continue;
        served.add(link.peer);
      }
      for (const interest of link.interests.values())
        if (interest.kind === kind && subjectMatches(interest.pattern, subject)) out.push({ link, interest });
    }
    return out;
  }

  /** The one responder that gets a request, or `undefined` when nobody serves `subject`. */
  responder(subject: string): Target | undefined {
    let all = this.responders.get(subject);
    if (all === undefined) {
      all = this.matching(subject, "r");
      remember(this.responders, subject, all);
    }
    return all.length === 0 ? undefined : this.pick(all);
  }

  /** The subscribers of a publication on `subject`, before a member of each group is picked. */
  fanout(subject: string): Fanout {
    let fanout = this.fanouts.get(subject);
    if (fanout === undefined) {
      fanout = this.workOut(subject);
      remember(this.fanouts, subject, fanout);
    }
    return fanout;
  }

  private workOut(subject: string): Fanout {
    const local: LocalInterest[] = [];
    const remote = new Map<PeerLink, string[]>();
    const groups = new Map<string, Target[]>();
    for (const t of this.matching(subject, "s")) {
      const q = t.interest.queue;
      if (q !== undefined) {
        const members = groups.get(q);
        if (members === undefined) groups.set(q, [t]);
        else members.push(t);
      } else if (t.link === undefined) {
        local.push(t.interest as LocalInterest);
      } else {
        const ids = remote.get(t.link);
        if (ids === undefined) remote.set(t.link, [t.interest.id]);
        else ids.push(t.interest.id);
      }
    }
    return {
      local,
      remote: [...remote].map(([link, ids]) => ({ link, ids: ids.join(",") })),
      groups: [...groups.values()],
    };
  }
}

function remember<T>(cache: Map<string, T>, subject: string, value: T): void {
  if (cache.size >= cachedSubjects) cache.clear();
  cache.set(subject, value);
}
