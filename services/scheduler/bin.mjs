// Entry for `node services/<name>`: TypeScript runs through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

register();
await import("./src/main.ts");
