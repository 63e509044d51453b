/** The demo's fixed credentials (demo only: the simulator is their only verifier). */
export const DEMO_ENV = {
  DEMO_PLAYBACK_SECRET: 'demo-playback-secret-change-me-0123456789',
  DEMO_JWT_SECRET: 'demo-jwt-secret-change-me-0123456789abcdef',
  DEMO_ACME_AK: 'AK-DEMO-ACME',
  DEMO_ACME_SK: 'SK-demo-acme-0123456789',
  DEMO_GLOBEX_AK: 'AK-DEMO-GLOBEX',
  DEMO_GLOBEX_SK: 'SK-demo-globex-0123456789',
  DEMO_AGENT_1001_PASSWORD: 'demo-agent-1001',
  DEMO_AGENT_2001_PASSWORD: 'demo-agent-2001',
  DEMO_AGENT_2002_PASSWORD: 'demo-agent-2002',
  /** Where the simulator calls back; the demo replaces it with its callback listener's address. */
  DEMO_CALLBACK_URL: 'http://127.0.0.1:8443',
} as const;

export const DEMO_CONFIG = new URL('../config/demo.yaml', import.meta.url);

/** The process environment with the demo values filled in where not already set. */
export function demoEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...DEMO_ENV, ...process.env, ...extra };
}
