import * as assert from 'node:assert/strict';
import { describe as describeStatus, type StatusView } from '../../src/ui/statusText';

const view = (model: StatusView['model']): StatusView => ({ model, paused: false, onBattery: false, snoozeMinutesLeft: 0, generating: false });

describe('status bar text', () => {
  it('says when no model is installed, and what a click does', () => {
    const { label, detail, icon } = describeStatus(view({ kind: 'noModel', detail: 'No model is installed yet: run Local Completion: Download Model….' }));
    assert.equal(label, 'SLM: no model');
    assert.equal(icon, '$(cloud-download)');
    assert.match(detail, /Download Model.*Click to get started/);
  });

  it('names the model, a generated one as a test model', () => {
    assert.equal(describeStatus(view({ kind: 'ready', name: 'default (test model)', detail: 'q4 on cpu' })).label, 'SLM: default (test model)');
  });
});
