export { configArgs } from "./config-args.js";
export { MAIN_MODE, type MainLoop, type MainLoopOptions, mainLoop } from "./main-loop.js";
export { type MainModeOptions, mainMode } from "./main-mode.js";
