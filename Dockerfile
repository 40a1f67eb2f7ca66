# The app image: one `workbook serve` node (the classroom apps, no JupyterLab) to run several of
# behind a load balancer or in Kubernetes (deploy/), all sharing one PostgreSQL store.
#   docker build -t workbook .
#   docker run -p 8866:8866 -e WORKBOOK_DATABASE_URL=postgresql+psycopg://... \
#     -e WORKBOOK_TRAINER_CODE=K7M2QX -e WORKBOOK_PUBLIC_URL=https://crm-workshop.example.com workbook
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The Chinese font: charts drawn in the kernels and the printed reports need CJK glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --user-group workbook

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY workbook ./workbook
COPY notebooks ./notebooks
COPY datasets ./datasets
# Editable: the server finds the app notebooks beside the package (notebooks/apps).
RUN pip install -e .

USER 10001
# Logs and the server's generated settings; the answers themselves go to WORKBOOK_DATABASE_URL.
ENV WORKBOOK_DATA_DIR=/home/workbook/data
EXPOSE 8866
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8866/voila/health', timeout=4)"]
ENTRYPOINT ["workbook", "serve"]
CMD ["--no-lab", "--host", "0.0.0.0", "--port", "8866"]
