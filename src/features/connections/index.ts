export {
  type Address,
  type AddressEntry,
  type Addresses,
  checkAddresses,
  isEndpoint,
  loadAddresses,
} from "./addresses.js";
export {
  type ArgModel,
  type ArgShape,
  type ArgsIn,
  type ArgsOut,
  args,
  type OptionalArg,
  optional,
} from "./arg-model.js";
export {
  type ConnectionDef,
  type Publisher,
  type PublishSubscribeDef,
  publishSubscribe,
  type Requester,
  type RequestReplyDef,
  requestReply,
} from "./connection.js";
export {
  type ConnectionUse,
  publisher,
  replier,
  requester,
  type SubscriberOptions,
  subscriber,
} from "./connection-uses.js";
export { type ConnectionsOptions, connections } from "./connections-plugin.js";
export { checkAddressNames } from "./declared-addresses.js";
export { type DirectLinks, directLinks } from "./direct-links.js";
