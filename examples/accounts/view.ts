import { projection } from "../../src/features/eventsourcing/index.js";
import { account } from "./model.js";

/** What `GET /accounts/:id` answers: a read model, kept in the append's transaction. */
export interface AccountView {
  readonly id: string;
  readonly owner: string;
  readonly balance: number;
  readonly version: number;
}

export const ACCOUNTS = "accounts";

export const accountView = projection({
  name: "account-view",
  mode: "inline",
  from: account,
  collections: [ACCOUNTS],
  async handle(e, docs) {
    const id = e.aggregateId;
    const view = await docs.get<AccountView>(ACCOUNTS, id);
    switch (e.type) {
      case "opened":
        return docs.put(ACCOUNTS, id, { id, owner: e.data.owner, balance: 0, version: e.version });
      case "deposited":
        return docs.put(ACCOUNTS, id, {
          ...view!,
          balance: view!.balance + e.data.amount,
          version: e.version,
        });
      case "withdrawn":
        return docs.put(ACCOUNTS, id, {
          ...view!,
          balance: view!.balance - e.data.amount,
          version: e.version,
        });
      case "$deleted":
        return docs.delete(ACCOUNTS, id);
    }
  },
});
