#!/usr/bin/env node
import '../dist/bundle/kms-local.js';
