#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildAwsApp } from './aws-app';
import { producers } from './producers';

// One stack per producer (`npx cdk synth`, `npx cdk deploy s3-to-sentinel-<producer>`).
buildAwsApp(new App(), producers);
