#!/usr/bin/env node
// Compiles every src/*.sol with the pinned solc-js (standard JSON input) and writes one
// Foundry-style artifact per contract to artifacts/<Contract>.json.
//
//   node compile.js           compile and (re)write artifacts; removes artifacts of vanished contracts
//   node compile.js --check   compile in memory; exit 1 naming every artifact missing, stale or extra
//
// Any compiler error or warning fails the run: the ledger is only deployed from a clean build.
// Output is deterministic (sorted keys, two-space indent, trailing newline), so recompiling
// unchanged sources yields byte-identical files and CI can diff them.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require('solc');

const ROOT = __dirname;
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, 'artifacts');

// Pinned settings. `shanghai` is set explicitly so nothing depends on a newer opcode (consortium
// chains lag mainnet); anvil is started with the same hardfork.
const EVM_VERSION = 'shanghai';
const OPTIMIZER = { enabled: true, runs: 200 };
const VIA_IR = true;

function fail(message) {
  process.stderr.write(`compile: ${message}\n`);
  process.exit(1);
}

function sortKeys(value) {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys(value[key]);
    }
    return out;
  }
  return value;
}

function render(artifact) {
  return JSON.stringify(sortKeys(artifact), null, 2) + '\n';
}

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    fail(`unknown argument(s): ${unknown.join(' ')} (usage: node compile.js [--check])`);
  }
  const check = args.includes('--check');

  if (!fs.existsSync(SRC)) {
    fail(`no source folder at ${SRC}`);
  }
  const files = fs.readdirSync(SRC).filter((f) => f.endsWith('.sol')).sort();
  if (files.length === 0) {
    fail(`no .sol files in ${SRC}`);
  }

  const sources = {};
  const rawSources = {};
  for (const file of files) {
    const text = fs.readFileSync(path.join(SRC, file), 'utf8');
    sources[file] = { content: text };
    rawSources[file] = text;
  }

  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: OPTIMIZER,
      viaIR: VIA_IR,
      metadata: { bytecodeHash: 'ipfs' },
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const problems = (output.errors || []).filter((e) => e.severity !== 'info');
  if (problems.length > 0) {
    for (const p of problems) {
      process.stderr.write((p.formattedMessage || p.message) + '\n');
    }
    const errors = problems.filter((p) => p.severity === 'error').length;
    fail(`refusing to write artifacts: ${errors} error(s), ${problems.length - errors} warning(s)`);
  }

  const version = solc.version();
  const expected = new Map();
  for (const file of files) {
    const contracts = (output.contracts && output.contracts[file]) || {};
    for (const name of Object.keys(contracts).sort()) {
      const c = contracts[name];
      const bytecode = c.evm.bytecode.object;
      if (!bytecode) {
        continue; // interfaces and abstract contracts have nothing to deploy
      }
      if (expected.has(name)) {
        fail(`contract name ${name} is declared twice; artifact names must be unique`);
      }
      const artifact = {
        contractName: name,
        sourceName: `src/${file}`,
        abi: c.abi,
        bytecode: { object: '0x' + bytecode },
        deployedBytecode: { object: '0x' + c.evm.deployedBytecode.object },
        metadata: {
          compiler: { version },
          evmVersion: EVM_VERSION,
          optimizer: OPTIMIZER,
          viaIR: VIA_IR,
        },
        sourceHash: '0x' + crypto.createHash('sha256').update(rawSources[file], 'utf8').digest('hex'),
        sourceHashAlgorithm: 'sha256',
        deployedSize: c.evm.deployedBytecode.object.length / 2,
      };
      if (artifact.deployedSize > 24576) {
        fail(`${name} deployed code is ${artifact.deployedSize} bytes, over the EIP-170 limit of 24576`);
      }
      expected.set(name, render(artifact));
    }
  }

  const existing = fs.existsSync(OUT) ? fs.readdirSync(OUT).filter((f) => f.endsWith('.json')).sort() : [];
  if (check) {
    const bad = [];
    for (const [name, text] of expected) {
      const file = path.join(OUT, `${name}.json`);
      if (!fs.existsSync(file)) {
        bad.push(`missing: artifacts/${name}.json`);
      } else if (fs.readFileSync(file, 'utf8') !== text) {
        bad.push(`stale:   artifacts/${name}.json`);
      }
    }
    for (const f of existing) {
      if (!expected.has(f.slice(0, -5))) {
        bad.push(`extra:   artifacts/${f} (no contract of that name in src/)`);
      }
    }
    if (bad.length > 0) {
      for (const b of bad) {
        process.stderr.write(`${b}\n`);
      }
      fail(`${bad.length} artifact(s) out of date; run \`npm run compile\` in chain/ and commit artifacts/`);
    }
    process.stdout.write(`compile --check: ${expected.size} artifact(s) current (solc ${version})\n`);
    return;
  }

  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, text] of expected) {
    fs.writeFileSync(path.join(OUT, `${name}.json`), text);
  }
  for (const f of existing) {
    if (!expected.has(f.slice(0, -5))) {
      fs.unlinkSync(path.join(OUT, f));
    }
  }
  for (const [name, text] of expected) {
    const size = JSON.parse(text).deployedSize;
    process.stdout.write(`${name}: ${size} bytes deployed (limit 24576)\n`);
  }
  process.stdout.write(`wrote ${expected.size} artifact(s) to artifacts/ (solc ${version}, ${EVM_VERSION}, optimizer runs ${OPTIMIZER.runs}, viaIR ${VIA_IR})\n`);
}

// Sources import each other as "./X.sol"; everything is already in the input, so any other import
// is a mistake (no external libraries).
function findImport(importPath) {
  return { error: `import ${importPath} not found: only src/*.sol may be imported` };
}

main();
