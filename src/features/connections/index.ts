export { type Address, type Addresses, addressOf, checkAddresses, loadAddresses } from "./addresses.js";
export {
  type ArgModel,
  type ArgShape,
  type ArgsIn,
  type ArgsOut,
  args,
  checkArgs,
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
  CONNECTIONS,
  type ConnectionUse,
  publisher,
  replier,
  requester,
  subscriber,
} from "./connection-uses.js";
export { type ConnectionsOptions, connections } from "./connections-plugin.js";
