/* The viewer's entry: mounts the app on the data source (the server, or the inlined answers). */
import { render } from 'preact';
import { App } from './app.js';
import { dataSource } from './data.js';
import './style.css';

const root = document.getElementById('app');
if (root !== null) render(<App source={dataSource()} />, root);
