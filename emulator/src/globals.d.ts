// The one Web API the emulator core uses. Browsers, workers and Node all provide
// it; declaring it here keeps the core's type check free of DOM and Node types.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
