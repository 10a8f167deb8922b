import { describe, expect, it } from 'vitest';
import { parseAppId } from '../../src/dyno/data-hooks.js';
import { redactLine } from '../../src/dyno/run-child.js';
import { feedbackTarget, webArgv } from '../../src/dyno/web.js';
import { trainArgv } from '../../src/dyno/train.js';
import { loadConfig } from '../../src/config/load-config.js';
import { variantFromPioOpts } from '../../src/config/engine-json.js';

const memory = { driverMb: 640, description: '', warning: undefined };

describe('parseAppId', () => {
  it.each([
    ['[INFO] [Pio$]       App ID: 12\n', 12],
    ['[INFO] [App$] Initialized Event Store for this app ID: 3.\n[INFO] [Pio$]         ID: 3', 3],
    ['app id:7', 7],
    ['[ERROR] [App$] App x does not exist. Aborting.', undefined],
    ['Access Key: abcID: no', undefined],
  ])('%j → %s', (output, id) => {
    expect(parseAppId(output)).toBe(id);
  });
});

describe('redactLine', () => {
  it('masks known secrets and any access key pio prints', () => {
    expect(redactLine('password=hunter22 and hunter22', ['hunter22'])).toBe('password=*** and ***');
    expect(redactLine('[INFO] [Pio$]   Access Key: ZXhhbXBsZS1rZXk_-123 | (all)', [])).toBe('[INFO] [Pio$]   Access Key: ******** | (all)');
  });
});

describe('argv builders', () => {
  it('web: engine and event server shapes', () => {
    const config = loadConfig({ PORT: '5000', PIO_OPTS: '-v best.json' });
    expect(webArgv('engine', config, memory)).toEqual(['deploy', '--port', '5000', '-v', 'best.json', '--', '--driver-memory', '640m']);
    expect(webArgv('eventserver', config, memory)).toEqual(['eventserver', '--ip', '0.0.0.0', '--port', '5000']);
    expect(variantFromPioOpts(config.values.PIO_OPTS)).toBe('best.json');
    expect(variantFromPioOpts(['--variant=x.json'])).toBe('x.json');
  });

  it('train: PIO_OPTS before --', () => {
    expect(trainArgv(loadConfig({ PIO_OPTS: '--batch b' }), memory)).toEqual(['train', '--batch', 'b', '--', '--driver-memory', '640m']);
  });

  it('feedback: uses the configured port, otherwise 80', () => {
    const base = { PIO_ENABLE_FEEDBACK: 'true', PIO_EVENTSERVER_HOSTNAME: 'es.example', PIO_EVENTSERVER_ACCESS_KEY: 'k'.repeat(64), PIO_EVENTSERVER_APP_NAME: 'a' };
    expect(feedbackTarget(loadConfig(base))?.port).toBe(80);
    expect(feedbackTarget(loadConfig({ ...base, PIO_EVENTSERVER_PORT: '7070' }))?.port).toBe(7070);
    expect(feedbackTarget(loadConfig({ ...base, PIO_ENABLE_FEEDBACK: 'false' }))).toBeUndefined();
    expect(() => feedbackTarget(loadConfig({ PIO_ENABLE_FEEDBACK: 'true' }))).toThrow(
      'PIO_ENABLE_FEEDBACK=true requires PIO_EVENTSERVER_HOSTNAME, PIO_EVENTSERVER_ACCESS_KEY, PIO_EVENTSERVER_APP_NAME',
    );
  });
});
