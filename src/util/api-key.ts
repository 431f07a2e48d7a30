/**
 * The one API-key check of the library, shared by the stream (`StreamClient`) and the REST
 * transport (Exit API, wallet registration). Error texts never include the key.
 */
import { StreamValidationError } from "../errors.js";

/**
 * Checks that the key can travel in an HTTP header (visible ASCII and spaces only: anything else,
 * CR/LF above all, would be refused by the header or smuggle another one) and returns it trimmed.
 * Throws `StreamValidationError` (field `apiKey`) without echoing the key.
 */
export function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    throw new StreamValidationError("API key is missing or empty", { issues: [{ path: "apiKey", message: "expected a non-empty string" }] });
  }
  if (!/^[\x20-\x7e]+$/.test(apiKey)) {
    throw new StreamValidationError("API key contains characters not allowed in an HTTP header", { issues: [
      { path: "apiKey", message: "invalid character" },
    ] });
  }
  return apiKey.trim();
}
