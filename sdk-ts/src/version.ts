// Reported in the worker hello so the executor can tell SDKs apart in diagnostics.
export const SDK_NAME = "tenax-ts";
export const SDK_VERSION = "0.1.0";
