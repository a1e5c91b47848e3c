// Draw every chart of the page from its server-built Vega-Lite spec, and wire copy buttons.
// Expressions are evaluated by vega-interpreter, so the page's Content-Security-Policy needs
// no 'unsafe-eval'.
"use strict";

function drawCharts() {
  if (typeof vegaEmbed === "undefined") {
    return;
  }
  const options = {
    actions: false,
    renderer: "svg",
    ast: true,
    expr: vegaInterpreter.expressionInterpreter,
  };
  for (const view of document.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(view.dataset.chart);
    if (!source) {
      continue;
    }
    const spec = JSON.parse(source.textContent);
    vegaEmbed(view, spec, options).catch((error) => {
      view.textContent = "This chart could not be drawn: " + error.message;
      console.error(error);
    });
  }
}

function wireCopyButtons() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) {
        return;
      }
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  drawCharts();
  wireCopyButtons();
});
