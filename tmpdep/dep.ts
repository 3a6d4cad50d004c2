import pino from 'pino';
const l = pino({level: 'debug', base: undefined, timestamp: pino.stdTimeFunctions.isoTime}, pino.multistream([{level: 'debug', stream: {write(s: string) { if (process.argv[2]==='x') console.log(s); }}}]));
l.info('hi');
