#!/usr/bin/env node
// Launcher for the built CLI: `npm run build` in apps/cli writes dist/.
import '../dist/main.js';
