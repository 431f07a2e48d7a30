import { describe, expectTypeOf, it } from "vitest";
import type { ClientMessageOf } from "../../src/protocol/index.js";
import {
  MockStreamServer,
  type MockConnection,
  type MockExitSignal,
  type MockPositionInfo,
  type MockRefusal,
  type MockRegistration,
  type MockStreamServerOptions,
  type OpenedPosition,
} from "../../src/testing/index.js";

declare const server: MockStreamServer;

describe("MockStreamServer types", () => {
  it("typed events", () => {
    server.on("exit_signal", (signal) => expectTypeOf(signal).toEqualTypeOf<MockExitSignal>());
    server.on("position_closed", (position, reason) => {
      expectTypeOf(position).toEqualTypeOf<MockPositionInfo>();
      expectTypeOf(reason).toEqualTypeOf<string>();
    });
    server.on("refused", (connection, refusal) => {
      expectTypeOf(connection).toEqualTypeOf<MockConnection>();
      expectTypeOf(refusal).toEqualTypeOf<MockRefusal>();
    });
    // @ts-expect-error: not an event of the mock
    server.on("pnl_update", () => undefined);
  });

  it("waitForMessage narrows to the message type", () => {
    expectTypeOf(server.waitForMessage("update_strategy")).resolves.toEqualTypeOf<ClientMessageOf<"update_strategy">>();
    server.waitForMessage("ping", { predicate: (m) => m.client_time_ms === 1 });
    // @ts-expect-error: not a client message type
    server.waitForMessage("hello_ok");
  });

  it("hooks and options", () => {
    expectTypeOf(server.openPosition({ wallet: "w" })).toEqualTypeOf<OpenedPosition>();
    expectTypeOf(MockStreamServer.start).parameter(0).toEqualTypeOf<MockStreamServerOptions | undefined>();
    // @ts-expect-error: tiers are 0, 1 or 2
    const bad: MockStreamServerOptions = { tier: 3 };
    void bad;
    expectTypeOf(server.waitForPositionClosed(1)).resolves.toEqualTypeOf<string>();
  });

  it("registration: apiUrl, hooks, event, option", () => {
    expectTypeOf(server.apiUrl).toEqualTypeOf<string>();
    expectTypeOf(server.registeredWallets()).toEqualTypeOf<string[]>();
    expectTypeOf(server.registerWallet).parameters.toEqualTypeOf<[walletPubkey: string, apiKey?: string]>();
    server.on("registration", (attempt) => {
      expectTypeOf(attempt).toEqualTypeOf<MockRegistration>();
      expectTypeOf(attempt.wallet_pubkey).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf<MockStreamServerOptions["requireRegistration"]>().toEqualTypeOf<boolean | undefined>();
  });
});
