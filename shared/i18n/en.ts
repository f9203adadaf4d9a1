// The studio's English catalogue: the source every other language translates (shared/i18n/index.ts).
import app from './en/app.ts';
import datasets from './en/datasets.ts';
import train from './en/train.ts';
import runs from './en/runs.ts';
import sample from './en/sample.ts';
import classify from './en/classify.ts';
import inspect from './en/inspect.ts';
import compare from './en/compare.ts';
import fields from './en/fields.ts';
import errors from './en/errors.ts';
import lab from './en/lab.ts';
import lesson from './en/lesson.ts';
import report from './en/report.ts';

export const en = { app, datasets, train, runs, sample, classify, inspect, compare, fields, errors, lab, report, lesson };
